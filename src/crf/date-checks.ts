import type { RuleInputValue } from '../protocol/rules/ast.ts';
import { daysBetween, parseIsoDate, yearsBetween } from '../protocol/rules/dates.ts';
import type { LocalizedText, Protocol, ProtocolForm, ProtocolItem } from '../protocol/schema.ts';

// Pure: plausibility checks on the dates of a form that need the participant's screening date and
// today at the site, which the server knows and passes in (the browser runs the other checks).

/** What the date checks compare with: today at the participant's site and its screening date. */
export interface DateContext {
  today: string;
  screeningDate: string;
}

/** No trial record holds a date before this year (a typo such as 0202 or 1020). */
export const EARLIEST_YEAR = 1900;
/** A birth date giving an age above this is refused; above UNUSUAL_AGE it opens a query. */
export const MAX_AGE = 120;
export const UNUSUAL_AGE = 100;
/** A visit's date this many days or more before screening opens a query (history forms aside). */
export const UNUSUAL_DAYS_BEFORE_SCREENING = 365;

/** Forms whose dates lie in the past by nature: medical history and earlier medication. */
const historyDomains = new Set(['MH', 'CM']);

export interface DateProblems {
  hard: LocalizedText | null;
  soft: Array<{ key: string; message: LocalizedText }>;
}

const text = (en: string, zh: string): LocalizedText => ({ en, zh });

const isBirthDate = (item: ProtocolItem) => item.sdtm?.variable === 'BRTHDTC';

/**
 * The consent date: a DS start date (DSSTDTC) on a form of a screening visit. The disposition form at
 * the end of the study records its own DSSTDTC, outside screening.
 */
export function isConsentDate(protocol: Protocol, form: ProtocolForm, item: ProtocolItem): boolean {
  const atScreening = protocol.schedule.visits.some(
    (visit) => visit.kind === 'screening' && visit.forms.includes(form.id),
  );
  return atScreening && item.sdtm?.domain === 'DS' && item.sdtm.variable === 'DSSTDTC';
}

/** The age a birth date gives: at the derived age item's reference (consent) when known, else today. */
function ageOf(protocol: Protocol, birth: string, values: Record<string, RuleInputValue>, today: string) {
  for (const form of protocol.forms) {
    const ageItem = form.items.find((item) => item.sdtm?.variable === 'AGE' && item.derivation);
    const derived = ageItem ? values[`${form.id}.${ageItem.id}`] : undefined;
    if (typeof derived === 'number') return derived;
  }
  const from = parseIsoDate(birth);
  const to = parseIsoDate(today);
  return from && to ? yearsBetween(from, to) : null;
}

/**
 * Date rules beyond type and range, for a date or date-time item with a value:
 * - before 1900: refused;
 * - the consent date: not after today at the site, not before the screening date (as the consent record);
 * - a birth date giving an age over 120: refused; over 100: a query;
 * - any other date more than a year before screening, outside the history forms: a query.
 */
export function dateProblems(
  protocol: Protocol,
  form: ProtocolForm,
  item: ProtocolItem,
  value: unknown,
  values: Record<string, RuleInputValue>,
  context: DateContext | undefined,
): DateProblems {
  const none: DateProblems = { hard: null, soft: [] };
  if ((item.type !== 'date' && item.type !== 'datetime') || typeof value !== 'string') return none;
  const date = value.slice(0, 10);
  if (Number(date.slice(0, 4)) < EARLIEST_YEAR) {
    return { hard: text('Enter a date from 1900 on.', '请输入 1900 年以后的日期。'), soft: [] };
  }
  if (!context) return none;
  if (isConsentDate(protocol, form, item)) {
    if (date > context.today || date < context.screeningDate) {
      return {
        hard: text(
          `The date of consent must lie between the screening date (${context.screeningDate}) and today at the site (${context.today}).`,
          `签署知情同意书日期必须在筛选日期（${context.screeningDate}）与研究中心今天（${context.today}）之间。`,
        ),
        soft: [],
      };
    }
    return none;
  }
  if (isBirthDate(item)) {
    const age = ageOf(protocol, date, values, context.today);
    if (age !== null && age > MAX_AGE) {
      return {
        hard: text(
          `This date of birth gives an age of ${age} years; check it (at most ${MAX_AGE}).`,
          `此出生日期对应年龄为 ${age} 岁，请核对（最大 ${MAX_AGE} 岁）。`,
        ),
        soft: [],
      };
    }
    if (age !== null && age > UNUSUAL_AGE) {
      const message = text(
        `This date of birth gives an age of ${age} years: please confirm it.`,
        `此出生日期对应年龄为 ${age} 岁，请确认。`,
      );
      return { hard: null, soft: [{ key: `${item.id}#age-over-${UNUSUAL_AGE}`, message }] };
    }
    return none;
  }
  if (historyDomains.has(form.sdtmDomain ?? '')) return none;
  const given = parseIsoDate(date);
  const screening = parseIsoDate(context.screeningDate);
  if (given && screening && daysBetween(given, screening) > UNUSUAL_DAYS_BEFORE_SCREENING) {
    const message = text(
      `This date is more than a year before screening (${context.screeningDate}): please confirm it.`,
      `此日期早于筛选日期（${context.screeningDate}）一年以上，请确认。`,
    );
    return { hard: null, soft: [{ key: `${item.id}#before-screening`, message }] };
  }
  return none;
}
