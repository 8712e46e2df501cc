import { fieldValue, givenDoses, recordsOf } from '../source.ts';
import {
  domainForm,
  isoText,
  itemFor,
  mappedValue,
  type SdtmContext,
  type SubjectContext,
  visitOf,
} from './context.ts';
import { dmArms } from './dm-arms.ts';
import type { SdtmRow } from './variables.ts';

// DM, DS and SV: one participant's demographics, disposition and visits.

const dispositionTerms: Record<string, string> = {
  completed: 'COMPLETED',
  death: 'DEATH',
  'withdrew-consent': 'WITHDRAWAL BY SUBJECT',
  'lost-to-follow-up': 'LOST TO FOLLOW-UP',
  'adverse-event': 'ADVERSE EVENT',
  'physician-decision': 'PHYSICIAN DECISION',
  other: 'OTHER',
};

const statusTerms: Record<string, string> = {
  screen_failed: 'SCREEN FAILURE',
  declined: 'WITHDRAWAL BY SUBJECT',
  withdrawn: 'WITHDRAWAL BY SUBJECT',
  lost_to_follow_up: 'LOST TO FOLLOW-UP',
  died: 'DEATH',
  completed: 'COMPLETED',
};

function datesOfRecord(record: { entries: unknown }): string[] {
  return Object.values((record.entries ?? {}) as Record<string, { value?: unknown }>)
    .map((entry) => entry.value)
    .filter((value): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value));
}

function exposureTimes(
  context: SdtmContext,
  subject: SubjectContext,
): { first: string | null; last: string | null } {
  const starts = givenDoses(subject.subject, context.protocol)
    .flatMap((dose) => [dose.startedAt, dose.endedAt])
    .filter((value): value is string => value !== null)
    .sort();
  return { first: starts[0] ?? null, last: starts.at(-1) ?? null };
}

/** The date of death from the first item mapped to DM.DTHDTC that holds one, forms in the protocol's order. */
function deathDate(context: SdtmContext, subject: SubjectContext): string | null {
  for (const form of context.protocol.forms) {
    const itemId = itemFor(form, 'DTHDTC');
    if (itemId === undefined) continue;
    for (const record of recordsOf(subject.subject, form.id)) {
      const date = isoText(fieldValue(record, itemId));
      if (date) return date;
    }
  }
  return null;
}

/** The disposition form: a DS form whose DSDECOD is a choice (the consent form's DSDECOD is a yes/no). */
const dispositionForm = (context: SdtmContext) =>
  domainForm(context.protocol, 'DS', { variable: 'DSDECOD', types: ['choice'] });

function consentDate(subject: SubjectContext): string | null {
  const consent = subject.subject.consents[0];
  return consent ? isoText(consent.consented_at) : null;
}

function endOfParticipation(context: SdtmContext, subject: SubjectContext): string | null {
  const form = dispositionForm(context);
  const end = form && recordsOf(subject.subject, form.id)[0];
  return isoText(mappedValue(end, form, 'DSSTDTC')) ?? subject.subject.participant.status_date ?? null;
}

export function buildDm(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const { participant } = subject.subject;
  const demographicsForm = domainForm(context.protocol, 'DM');
  const demographics = demographicsForm && recordsOf(subject.subject, demographicsForm.id)[0];
  const exposure = exposureTimes(context, subject);
  const death = deathDate(context, subject);
  const arms = dmArms(context.protocol, subject.subject, exposure.first !== null, context.armsBlinded);
  const site = context.sites.get(participant.site_id);
  const age = mappedValue(demographics, demographicsForm, 'AGE');
  const birthDate = isoText(mappedValue(demographics, demographicsForm, 'BRTHDTC'));
  const date = subject.dates.date;
  return [
    {
      STUDYID: context.studyId,
      DOMAIN: 'DM',
      USUBJID: subject.usubjid,
      SUBJID: subject.subjid,
      RFSTDTC: date(exposure.first ?? participant.day1_date),
      RFENDTC: date(endOfParticipation(context, subject) ?? exposure.last),
      RFXSTDTC: date(exposure.first),
      RFXENDTC: date(exposure.last),
      RFICDTC: date(consentDate(subject)),
      RFPENDTC: date(endOfParticipation(context, subject)),
      DTHDTC: date(death),
      DTHFL: death ? 'Y' : null,
      SITEID: site?.code ?? participant.site_id,
      BRTHDTC: context.privacy.includeIdentifiers ? date(birthDate) : null,
      AGE: typeof age === 'number' ? age : ageAt(birthDate, consentDate(subject)),
      AGEU: 'YEARS',
      SEX: (mappedValue(demographics, demographicsForm, 'SEX') as string | null) ?? null,
      RACE: null,
      ETHNIC: null,
      ...arms,
      COUNTRY: site?.country ?? null,
    },
  ];
}

/** Whole years from birth to a date (age at consent when it was not derived on the form). */
function ageAt(birthDate: string | null, on: string | null): number | null {
  if (!birthDate || !on) return null;
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number);
  const [y, m, d] = on.slice(0, 10).split('-').map(Number);
  if (!by || !bm || !bd || !y || !m || !d) return null;
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

export function buildDs(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const rows: SdtmRow[] = [];
  const date = subject.dates.date;
  const base = { STUDYID: context.studyId, DOMAIN: 'DS', USUBJID: subject.usubjid };
  const { participant } = subject.subject;
  // Every consent is a milestone: the first, then each re-consent to a new consent form version
  // (consents come in the order they were given).
  subject.subject.consents.forEach((consent, index) => {
    const at = isoText(consent.consented_at);
    // The first consent opens screening (even on day 1); a re-consent from day 1 on is during treatment.
    const studyDay = subject.studyDay(at);
    rows.push({
      ...base,
      DSTERM:
        index === 0
          ? 'INFORMED CONSENT OBTAINED'
          : `INFORMED CONSENT OBTAINED AGAIN (CONSENT FORM VERSION ${consent.form_version})`,
      DSDECOD: 'INFORMED CONSENT OBTAINED',
      DSCAT: 'PROTOCOL MILESTONE',
      EPOCH: index > 0 && studyDay !== null && studyDay >= 1 ? 'TREATMENT' : 'SCREENING',
      DSSTDTC: date(at),
      DSSTDY: studyDay,
    });
  });
  const endForm = dispositionForm(context);
  const end = endForm && recordsOf(subject.subject, endForm.id)[0];
  const endStatus = mappedValue(end, endForm, 'DSDECOD') as string | null;
  if (endStatus) {
    const at = isoText(mappedValue(end, endForm, 'DSSTDTC'));
    const reason = mappedValue(end, endForm, 'DSTERM') as string | null;
    rows.push({
      ...base,
      DSTERM: reason ?? dispositionTerms[endStatus] ?? endStatus.toUpperCase(),
      DSDECOD: dispositionTerms[endStatus] ?? 'OTHER',
      DSCAT: 'DISPOSITION EVENT',
      EPOCH: 'FOLLOW-UP',
      DSSTDTC: date(at),
      DSSTDY: subject.studyDay(at),
    });
  } else if (statusTerms[participant.status]) {
    const term = statusTerms[participant.status] ?? 'OTHER';
    rows.push({
      ...base,
      DSTERM: participant.status_reason ?? term,
      DSDECOD: term,
      DSCAT: 'DISPOSITION EVENT',
      EPOCH: participant.day1_date ? 'TREATMENT' : 'SCREENING',
      DSSTDTC: date(participant.status_date),
      DSSTDY: subject.studyDay(participant.status_date),
    });
  }
  return rows.map((row, index) => ({ ...row, DSSEQ: index + 1 }));
}

export function buildSv(context: SdtmContext, subject: SubjectContext): SdtmRow[] {
  const visits = new Map<string, { visit: ReturnType<typeof visitOf>; dates: string[] }>();
  for (const record of subject.subject.records) {
    if (context.protocol.forms.find((form) => form.id === record.form_id)?.repeating) continue;
    const visit = visitOf(context, record);
    const key = `${visit.VISITNUM}`;
    const entry = visits.get(key) ?? { visit, dates: [] };
    entry.dates.push(...datesOfRecord(record));
    visits.set(key, entry);
  }
  return [...visits.values()]
    .sort((a, b) => (a.visit.VISITNUM ?? 0) - (b.visit.VISITNUM ?? 0))
    .map(({ visit, dates }) => {
      const sorted = dates.sort();
      const start = sorted[0] ?? null;
      const end = sorted.at(-1) ?? null;
      return {
        STUDYID: context.studyId,
        DOMAIN: 'SV',
        USUBJID: subject.usubjid,
        ...visit,
        SVSTDTC: subject.dates.date(start),
        SVENDTC: subject.dates.date(end),
        SVSTDY: subject.studyDay(start),
        SVENDY: subject.studyDay(end),
      };
    });
}
