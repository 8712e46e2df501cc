import { type Alternative, clopperPearson } from '../analysis/binomial.ts';
import { type MedianIqr, medianIqr as medianIqrOf } from '../analysis/descriptive.ts';
import { type KaplanMeierFit, kaplanMeier } from '../analysis/kaplan-meier.ts';
import { type WilcoxonResult, wilcoxonSignedRank } from '../analysis/wilcoxon.ts';
import { evaluateRule, type RuleNode, referencedItems } from '../protocol/rules/index.ts';
import type { LocalizedText, Protocol, ProtocolOutcome } from '../protocol/schema.ts';
import { eventDay } from './confirmed-event.ts';
import { parseOrThrow } from './ordinal-status.ts';
import {
  type OutcomeRecord,
  type ParticipantSource,
  recordDateItem,
  recordStudyDay,
  visitDays,
  visitIdOf,
} from './source.ts';

export type OutcomeGroup = 'primary' | 'secondary' | 'exploratory';

export interface Proportion {
  n: number;
  count: number;
  proportion: number | null;
  /** Two-sided 95% Clopper–Pearson limits (binom.test); null when n = 0. */
  lower: number | null;
  upper: number | null;
}

interface OutcomeBase {
  id: string;
  group: OutcomeGroup;
  title: LocalizedText;
  timeFrameDays: number;
}

export type OutcomeResult = OutcomeBase &
  (
    | { measure: 'participants-with-event'; result: Proportion; participantsWithEvent: string[] }
    | {
        measure: 'days-with-condition';
        /** Days with the condition within the time frame, per participant. */
        days: MedianIqr;
        /** Days alive and free of it (time frame − days; 0 for those who died within it). */
        freeDays: MedianIqr;
        /** Days within follow-up (before discharge or death) with no record to decide. */
        missingDays: number;
        perParticipant: { participantId: string; days: number; freeDays: number; missingDays: number }[];
      }
    | { measure: 'participants-transitioning'; result: Proportion }
    | { measure: 'proportion'; result: Proportion }
    | {
        measure: 'time-to-event';
        n: number;
        events: number;
        fit: KaplanMeierFit | null;
        definedBy: 'rule' | 'ttci';
      }
    | {
        measure: 'change-from-baseline';
        item: string;
        unit: string | null;
        byDay: { day: number; value: MedianIqr; change: MedianIqr }[];
        /** Baseline against the last value within the time frame, participants with both. */
        last: {
          baseline: MedianIqr;
          last: MedianIqr;
          change: MedianIqr;
          wilcoxon: WilcoxonResult | null;
        };
      }
  );

/** Median (IQR) of the values; n = 0 with NaN quantities (null in JSON) when there are none. */
export function medianIqr(values: readonly number[]): MedianIqr {
  if (!values.some((value) => Number.isFinite(value))) {
    return {
      n: 0,
      median: Number.NaN,
      q1: Number.NaN,
      q3: Number.NaN,
      iqr: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
    };
  }
  return medianIqrOf(values);
}

export function proportion(count: number, n: number, alternative: Alternative = 'two.sided'): Proportion {
  if (n === 0) return { n, count, proportion: null, lower: null, upper: null };
  const interval = clopperPearson(count, n, { alternative });
  return { n, count, proportion: count / n, lower: interval.lower, upper: interval.upper };
}

export interface OutcomeContext {
  protocol: Protocol;
  /** The analysis set: enrolled participants (study day 1 set). */
  participants: readonly ParticipantSource[];
  /** Study day of death within follow-up, by participant (from the TTCI derivation). */
  deathDay: ReadonlyMap<string, number | null>;
  /** Last study day each participant was followed (discharge, death, end of follow-up). */
  followedTo: ReadonlyMap<string, number>;
}

interface DatedRecord {
  record: OutcomeRecord;
  day: number | null;
}

const datedCache = new WeakMap<ParticipantSource, Map<string, DatedRecord[]>>();
const visitCache = new WeakMap<Protocol, ReturnType<typeof visitDays>>();

/** A participant's records of one form with the study day each describes (grouped once per participant). */
function datedRecords(
  context: OutcomeContext,
  participant: ParticipantSource,
  formId: string,
): DatedRecord[] {
  let byForm = datedCache.get(participant);
  if (!byForm) {
    const { protocol } = context;
    let visits = visitCache.get(protocol);
    if (!visits) {
      visits = visitDays(protocol);
      visitCache.set(protocol, visits);
    }
    byForm = new Map();
    const dateItems = new Map<string, string | undefined>();
    for (const record of participant.records) {
      if (!dateItems.has(record.formId))
        dateItems.set(record.formId, recordDateItem(protocol, record.formId));
      const day = recordStudyDay(record, participant.day1Date, visits, dateItems.get(record.formId));
      const list = byForm.get(record.formId);
      if (list) list.push({ record, day });
      else byForm.set(record.formId, [{ record, day }]);
    }
    datedCache.set(participant, byForm);
  }
  return byForm.get(formId) ?? [];
}

function formOfRule(rule: RuleNode, outcomeId: string): string {
  const forms = new Set(referencedItems(rule).map((item) => item.split('.')[0] ?? ''));
  if (forms.size !== 1) throw new Error(`outcome ${outcomeId}: its rule must read one form`);
  return [...forms][0] ?? '';
}

const inFrame = (day: number | null, frame: number): day is number =>
  day !== null && day >= 1 && day <= frame;

function participantsWithEvent(context: OutcomeContext, outcome: ProtocolOutcome, rule: RuleNode): string[] {
  const formId = formOfRule(rule, outcome.id);
  return context.participants
    .filter((participant) =>
      datedRecords(context, participant, formId).some(
        ({ record, day }) =>
          inFrame(day, outcome.timeFrameDays) && evaluateRule(rule, record.values) === true,
      ),
    )
    .map((participant) => participant.participantId);
}

/**
 * Days with a condition (e.g. ICU, invasive ventilation) within the time frame: the number of daily
 * records on which the rule is true. Free days (Schoenfeld et al., Crit Care Med 2002): time frame
 * minus days with the condition for survivors, 0 for participants who died within the time frame.
 * Days between day 1 and the end of follow-up with no record (or an unknown rule) are counted as
 * missing, never as days with or without the condition.
 */
function daysWithCondition(context: OutcomeContext, outcome: ProtocolOutcome, rule: RuleNode) {
  const formId = formOfRule(rule, outcome.id);
  const frame = outcome.timeFrameDays;
  const perParticipant = context.participants.map((participant) => {
    const known = new Map<number, boolean>();
    for (const { record, day } of datedRecords(context, participant, formId)) {
      if (!inFrame(day, frame)) continue;
      const result = evaluateRule(rule, record.values);
      if (result !== null) known.set(day, result);
    }
    const death = context.deathDay.get(participant.participantId) ?? null;
    const followed = Math.min(frame, context.followedTo.get(participant.participantId) ?? 0);
    let days = 0;
    let missingDays = 0;
    for (let day = 1; day <= followed; day++) {
      if (death !== null && day >= death) break;
      const value = known.get(day);
      if (value === undefined) missingDays++;
      else if (value) days++;
    }
    const diedInFrame = death !== null && death <= frame;
    return {
      participantId: participant.participantId,
      days,
      freeDays: diedInFrame ? 0 : frame - days,
      missingDays,
    };
  });
  return {
    days: medianIqr(perParticipant.map((entry) => entry.days)),
    freeDays: medianIqr(perParticipant.map((entry) => entry.freeDays)),
    missingDays: perParticipant.reduce((sum, entry) => sum + entry.missingDays, 0),
    perParticipant,
  };
}

function transitioning(context: OutcomeContext, outcome: ProtocolOutcome, from: RuleNode, to: RuleNode) {
  const formId = formOfRule(from, outcome.id);
  let withFrom = 0;
  let transitioned = 0;
  for (const participant of context.participants) {
    const records = datedRecords(context, participant, formId)
      .filter((entry) => inFrame(entry.day, outcome.timeFrameDays))
      .sort((a, b) => (a.day ?? 0) - (b.day ?? 0));
    const first = records.find(({ record }) => evaluateRule(from, record.values) === true);
    if (!first) continue;
    withFrom++;
    const firstDay = first.day ?? 0;
    if (records.some(({ record, day }) => (day ?? 0) > firstDay && evaluateRule(to, record.values) === true))
      transitioned++;
  }
  return proportion(transitioned, withFrom);
}

function proportionOutcome(context: OutcomeContext, outcome: ProtocolOutcome, rule: RuleNode): Proportion {
  const formId = formOfRule(rule, outcome.id);
  let evaluable = 0;
  let yes = 0;
  for (const participant of context.participants) {
    const results = datedRecords(context, participant, formId)
      .filter(({ day }) => inFrame(day, outcome.timeFrameDays))
      .map(({ record }) => evaluateRule(rule, record.values));
    if (results.includes(true)) yes++;
    if (results.some((result) => result !== null)) evaluable++;
  }
  return proportion(yes, evaluable);
}

/**
 * First day the rule holds (event; confirmed by a later record when the outcome asks, eventDay), else
 * censored at the last evaluable record day within the frame. Every instance of a repeating form counts.
 */
function timeToEvent(context: OutcomeContext, outcome: ProtocolOutcome, rule: RuleNode) {
  const formId = formOfRule(rule, outcome.id);
  const observations: { time: number; event: 0 | 1 }[] = [];
  for (const participant of context.participants) {
    const records = datedRecords(context, participant, formId)
      .filter(({ day }) => inFrame(day, outcome.timeFrameDays))
      .map(({ record, day }) => ({ day: day ?? 0, result: evaluateRule(rule, record.values) }))
      .filter((entry) => entry.result !== null)
      .sort((a, b) => a.day - b.day);
    if (records.length === 0) continue;
    const evaluable = records.map(({ day, result }) => ({ day, result: result === true }));
    const hit = eventDay(evaluable, outcome.confirmedAfterDays);
    observations.push(
      hit !== null ? { time: hit, event: 1 } : { time: records[records.length - 1]?.day ?? 0, event: 0 },
    );
  }
  return {
    n: observations.length,
    events: observations.filter((entry) => entry.event === 1).length,
    fit: observations.length ? kaplanMeier(observations) : null,
  };
}

function numericValue(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * An item's values by nominal study day and their change from baseline (the value at the TTCI
 * baseline visit, else the last value before day 1), summarised as median (IQR); baseline against
 * the last value within the time frame is tested with the Wilcoxon signed-rank test (wilcox.test paired).
 */
export function changeFromBaseline(
  context: OutcomeContext,
  item: string,
  frame: number,
  baselineVisit: string,
) {
  const [formId = '', itemId = ''] = item.split('.');
  const byDay = new Map<number, { values: number[]; changes: number[] }>();
  const pairs: { baseline: number; last: number }[] = [];
  for (const participant of context.participants) {
    const records = datedRecords(context, participant, formId)
      .map(({ record, day }) => ({ day, value: numericValue(record.values[`${formId}.${itemId}`]), record }))
      .filter(
        (entry): entry is { day: number; value: number; record: OutcomeRecord } =>
          entry.value !== null && entry.day !== null,
      );
    const baselineEntry =
      records.find((entry) => visitIdOf(entry.record.visitKey) === baselineVisit) ??
      records.filter((entry) => entry.day < 1).sort((a, b) => b.day - a.day)[0];
    const baseline = baselineEntry?.value ?? null;
    const during = records
      .filter((entry) => entry.day >= 1 && entry.day <= frame)
      .sort((a, b) => a.day - b.day);
    for (const entry of [...(baselineEntry ? [{ ...baselineEntry, day: 0 }] : []), ...during]) {
      const slot = byDay.get(entry.day) ?? { values: [], changes: [] };
      slot.values.push(entry.value);
      if (baseline !== null) slot.changes.push(entry.value - baseline);
      byDay.set(entry.day, slot);
    }
    const last = during[during.length - 1];
    if (baseline !== null && last) pairs.push({ baseline, last: last.value });
  }
  const baselines = pairs.map((pair) => pair.baseline);
  const lasts = pairs.map((pair) => pair.last);
  return {
    byDay: [...byDay.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([day, slot]) => ({ day, value: medianIqr(slot.values), change: medianIqr(slot.changes) })),
    last: {
      baseline: medianIqr(baselines),
      last: medianIqr(lasts),
      change: medianIqr(pairs.map((pair) => pair.last - pair.baseline)),
      wilcoxon: pairs.some((pair) => pair.last !== pair.baseline)
        ? wilcoxonSignedRank(lasts, baselines)
        : null,
    },
  };
}

function itemUnit(protocol: Protocol, item: string): string | null {
  const [formId, itemId] = item.split('.');
  const form = protocol.forms.find((candidate) => candidate.id === formId);
  return form?.items.find((candidate) => candidate.id === itemId)?.unit ?? null;
}

/** Every outcome of the protocol derived over the analysis set, by its measure. */
export function deriveOutcomes(context: OutcomeContext): OutcomeResult[] {
  const { protocol } = context;
  const baselineVisit = protocol.outcomes.ttci?.baselineVisit ?? protocol.schedule.visits[0]?.id ?? '';
  const groups: OutcomeGroup[] = ['primary', 'secondary', 'exploratory'];
  return groups.flatMap((group) =>
    protocol.outcomes[group].map((outcome) => deriveOutcome(context, outcome, group, baselineVisit)),
  );
}

function deriveOutcome(
  context: OutcomeContext,
  outcome: ProtocolOutcome,
  group: OutcomeGroup,
  baselineVisit: string,
): OutcomeResult {
  const base = { id: outcome.id, group, title: outcome.title, timeFrameDays: outcome.timeFrameDays };
  const rule = outcome.rule ? parseOrThrow(outcome.rule, `outcome ${outcome.id}`) : null;
  const needRule = (): RuleNode => {
    if (!rule) throw new Error(`outcome ${outcome.id} needs a rule`);
    return rule;
  };
  switch (outcome.measure) {
    case 'participants-with-event': {
      const ids = rule ? participantsWithEvent(context, outcome, rule) : [];
      return {
        ...base,
        measure: outcome.measure,
        result: proportion(ids.length, context.participants.length),
        participantsWithEvent: ids,
      };
    }
    case 'days-with-condition':
      return { ...base, measure: outcome.measure, ...daysWithCondition(context, outcome, needRule()) };
    case 'participants-transitioning': {
      const from = parseOrThrow(outcome.fromRule ?? '', `outcome ${outcome.id} fromRule`);
      const to = parseOrThrow(outcome.toRule ?? '', `outcome ${outcome.id} toRule`);
      return { ...base, measure: outcome.measure, result: transitioning(context, outcome, from, to) };
    }
    case 'proportion':
      return { ...base, measure: outcome.measure, result: proportionOutcome(context, outcome, needRule()) };
    case 'time-to-event':
      if (!rule) return { ...base, measure: outcome.measure, n: 0, events: 0, fit: null, definedBy: 'ttci' };
      return { ...base, measure: outcome.measure, definedBy: 'rule', ...timeToEvent(context, outcome, rule) };
    default: {
      const item = outcome.item ?? '';
      return {
        ...base,
        measure: 'change-from-baseline',
        item,
        unit: itemUnit(context.protocol, item),
        ...changeFromBaseline(context, item, outcome.timeFrameDays, baselineVisit),
      };
    }
  }
}
