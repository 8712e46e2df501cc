import type { AdverseEventItemRole, Protocol, ProtocolForm, ProtocolItem } from '../../protocol/schema.ts';
import { type PrivacyOptions, type SubjectDates, subjectDates } from '../privacy.ts';
import { type FormRecordRow, fieldValue, type SubjectSource } from '../source.ts';

export interface SiteInfo {
  siteId: string;
  code: string;
  country: string | null;
}

/** What every SDTM builder needs to know about the study. */
export interface SdtmContext {
  protocol: Protocol;
  studyId: string;
  sites: Map<string, SiteInfo>;
  privacy: PrivacyOptions;
  visits: Map<string, VisitNumbering>;
  /**
   * A randomised study exported for someone who may not see arms (armsVisible false): DM leaves every
   * participant's arm out. TA still lists the planned arms, which are the protocol's, not allocations.
   */
  armsBlinded: boolean;
  /** The dictionary versions the study codes with (define.xml names them); null where none is chosen. */
  dictionaries?: { meddra: string | null; whodrug: string | null };
}

export interface VisitNumbering {
  visitNum: number;
  visit: string;
  visitDay: number;
  timepoint: { name: string; number: number; elapsed: string } | null;
  repeating: boolean;
  /** An unscheduled visit has no planned study day (VISITDY stays null). */
  unscheduled: boolean;
}

/** ISO 8601 duration of minutes from the dose, e.g. -PT30M, PT2H. */
export function elapsedTime(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const total = Math.abs(minutes);
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  return `${sign}PT${hours ? `${hours}H` : ''}${rest || !hours ? `${rest}M` : ''}`;
}

/** Visit numbers in schedule order (1, 2, …); a repeating visit's day n is number + n/1000. */
export function visitNumbering(protocol: Protocol): Map<string, VisitNumbering> {
  const map = new Map<string, VisitNumbering>();
  protocol.schedule.visits.forEach((visit, index) => {
    const base = {
      visitNum: index + 1,
      visit: visit.name.en,
      visitDay: visit.day,
      repeating: visit.repeat !== undefined,
      unscheduled: visit.kind === 'unscheduled',
    };
    map.set(visit.id, { ...base, timepoint: null });
    visit.timepoints.forEach((timepoint, timepointIndex) => {
      map.set(`${visit.id}/${timepoint.id}`, {
        ...base,
        timepoint: {
          name: timepoint.name.en,
          number: timepointIndex + 1,
          elapsed: elapsedTime(timepoint.minutesFromDose),
        },
      });
    });
  });
  return map;
}

/** The visit variables of a record (VISITNUM, VISIT, VISITDY; a repeating visit's day in its name). */
export function visitOf(context: SdtmContext, record: Pick<FormRecordRow, 'visit_id' | 'instance'>) {
  const numbering = context.visits.get(record.visit_id);
  if (!numbering) return { VISITNUM: null, VISIT: record.visit_id, VISITDY: null };
  if (numbering.repeating) {
    return {
      VISITNUM: numbering.visitNum + record.instance / 1000,
      VISIT: `${numbering.visit}, day ${record.instance}`,
      VISITDY: record.instance,
    };
  }
  return {
    VISITNUM: numbering.visitNum,
    VISIT: numbering.visit,
    VISITDY: numbering.unscheduled ? null : numbering.visitDay,
  };
}

export interface SubjectContext {
  subject: SubjectSource;
  usubjid: string;
  subjid: string;
  dates: SubjectDates;
  /** Day 1 (first dose) as recorded, or null before enrolment. */
  day1: string | null;
  /** SDTM study day of a recorded date: day 1 is the first dose; there is no day 0. */
  studyDay(dtc: string | null | undefined): number | null;
}

const MS_PER_DAY = 86_400_000;

export function subjectContext(context: SdtmContext, subject: SubjectSource): SubjectContext {
  const { participant } = subject;
  const subjid = participant.study_number ?? participant.screening_number;
  const day1 = participant.day1_date ?? null;
  return {
    subject,
    subjid,
    usubjid: `${context.studyId}-${subjid}`,
    dates: subjectDates(context.privacy, participant.participant_id),
    day1,
    studyDay(dtc) {
      if (!day1 || !dtc || !/^\d{4}-\d{2}-\d{2}/.test(dtc)) return null;
      const difference = Math.round((Date.parse(dtc.slice(0, 10)) - Date.parse(day1)) / MS_PER_DAY);
      return difference >= 0 ? difference + 1 : difference;
    },
  };
}

/** Y or N for a boolean, else null. */
export const yesNo = (value: unknown): string | null => (value === true ? 'Y' : value === false ? 'N' : null);

export function itemOf(protocol: Protocol, formId: string, itemId: string): ProtocolItem | undefined {
  return protocol.forms.find((form) => form.id === formId)?.items.find((item) => item.id === itemId);
}

/** The English label of a code in an item's code list or choices. */
export function codeLabel(protocol: Protocol, item: ProtocolItem | undefined, code: unknown): string | null {
  if (code === null || code === undefined || !item) return null;
  const choices = item.choices ?? protocol.codeLists.find((list) => list.id === item.codeList)?.items ?? [];
  return choices.find((choice) => choice.code === code)?.label.en ?? String(code);
}

/** A date value as text, from a stored string or a timestamp column. */
export function isoText(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * The protocol's form for an SDTM domain (its `sdtmDomain`), the first in the protocol's order; with
 * `having`, the first whose items include one mapped to that variable with one of the given types
 * (the disposition form: a DS form whose DSDECOD is a choice, not the consent form's yes/no).
 */
export function domainForm(
  protocol: Protocol,
  domain: string,
  having?: { variable: string; types: readonly ProtocolItem['type'][] },
): ProtocolForm | undefined {
  return protocol.forms.find(
    (form) =>
      form.sdtmDomain === domain &&
      (!having ||
        form.items.some(
          (item) => item.sdtm?.variable === having.variable && having.types.includes(item.type),
        )),
  );
}

/** The id of a form's item mapped to an SDTM variable (`sdtm.variable`), if it has one. */
export function itemFor(form: ProtocolForm | undefined, variable: string): string | undefined {
  return form?.items.find((item) => item.sdtm?.variable === variable)?.id;
}

/** A record's value of the item mapped to an SDTM variable; null when the form has no such item. */
export function mappedValue(
  record: FormRecordRow | undefined,
  form: ProtocolForm | undefined,
  variable: string,
) {
  const itemId = itemFor(form, variable);
  return itemId === undefined ? null : fieldValue(record, itemId);
}

/** An adverse event record's value of the item that carries a meaning (`safety.adverseEvents`); null where the protocol has none. */
export function aeValue(protocol: Protocol, record: FormRecordRow, role: AdverseEventItemRole): unknown {
  const itemId = protocol.safety.adverseEvents.items[role];
  return itemId === undefined ? null : fieldValue(record, itemId);
}
