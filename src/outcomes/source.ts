import type { RuleInputValue } from '../protocol/rules/index.ts';
import type { Protocol } from '../protocol/schema.ts';

// The source rows the outcome derivations read: one participant's recorded forms, as plain data.
// The loader (outcomes.loader.ts) builds these from the database; tests build them by hand.

/** One form record: its place in the schedule and its values keyed by `form.item` (missing = null). */
export interface OutcomeRecord {
  /** `visit` or `visit/timepoint`, as form_record.visit_id. */
  visitKey: string;
  formId: string;
  /** The study day for a repeating (daily) visit, the entry number for a log form, else 1. */
  instance: number;
  values: Record<string, RuleInputValue>;
}

/** One scheduled dose as the dosing module recorded it (dosing_administration). */
export interface DoseSource {
  /** The dose visit of the regimen (e.g. `day-3`). */
  visitId: string;
  doseNumber: number;
  status: 'completed' | 'interrupted' | 'not-given';
  /** When the inhalation started, as entered at the site (YYYY-MM-DDTHH:MM…); null when not given. */
  startedLocal: string | null;
}

/** One adverse event as the safety module recorded it (adverse_event), values keyed `form.item`. */
export interface AdverseEventSource {
  aeNumber: number;
  values: Record<string, RuleInputValue>;
  /** The MedDRA preferred term and primary system organ class the event is coded to; absent while uncoded. */
  coded?: { pt: string; soc: string } | null;
}

export type ParticipantEndStatus = 'withdrawn' | 'lost_to_follow_up' | 'died' | 'completed';

export interface ParticipantSource {
  participantId: string;
  /** The study number (e.g. RJ-001), or the screening number before enrolment. */
  label: string;
  siteId: string;
  status: string;
  /** Date the status was reached (end of participation), as YYYY-MM-DD. */
  statusDate: string | null;
  /** Calendar date of study day 1 (the first dose); null when never dosed. */
  day1Date: string | null;
  /** Criteria a screen failure did not meet (ids), for the CONSORT diagram. */
  failedCriteria?: readonly string[];
  records: OutcomeRecord[];
  /** Doses from the dosing module (absent = none recorded). */
  doses?: readonly DoseSource[];
  /** Adverse events from the safety module (absent = none recorded). */
  adverseEvents?: readonly AdverseEventSource[];
}

const MS_PER_DAY = 86_400_000;

/** The study day of a calendar date or date-time (its date part): day 1 is the first dose, day 0 the day before. */
export function studyDay(day1Date: string, dateOrDateTime: string): number {
  const date = dateOrDateTime.slice(0, 10);
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${day1Date}T00:00:00Z`)) / MS_PER_DAY) + 1;
}

/** Visits by id with their nominal study day and whether they repeat daily (instance = study day). */
export function visitDays(protocol: Protocol): Map<string, { day: number; daily: boolean }> {
  return new Map(
    protocol.schedule.visits.map((visit) => [
      visit.id,
      { day: visit.day, daily: visit.repeat !== undefined },
    ]),
  );
}

/** The visit id of a visit key (`day-1/post-30` → `day-1`). */
export const visitIdOf = (visitKey: string): string => {
  const slash = visitKey.indexOf('/');
  return slash === -1 ? visitKey : visitKey.slice(0, slash);
};

/** The first item of a form whose type is a date or date-time: the date the record describes. */
export function recordDateItem(protocol: Protocol, formId: string): string | undefined {
  const form = protocol.forms.find((candidate) => candidate.id === formId);
  const item = form?.items.find((candidate) => candidate.type === 'date' || candidate.type === 'datetime');
  return item ? `${formId}.${item.id}` : undefined;
}

/**
 * The study day a record describes: the instance of a daily visit (its slot in the schedule); else its
 * own date item when recorded (an adverse event's onset, a lab's collection date); else the visit's
 * nominal day; null when none can be known (a log form without a date, or a participant never dosed).
 */
export function recordStudyDay(
  record: OutcomeRecord,
  day1Date: string | null,
  visits: ReadonlyMap<string, { day: number; daily: boolean }>,
  dateItem: string | undefined,
): number | null {
  const visit = visits.get(visitIdOf(record.visitKey));
  if (visit?.daily) return record.instance;
  const date = dateItem === undefined ? undefined : record.values[dateItem];
  if (day1Date !== null && typeof date === 'string' && /^\d{4}-\d{2}-\d{2}/.test(date)) {
    return studyDay(day1Date, date);
  }
  return visit ? visit.day : null;
}
