import type { LocalizedText, Protocol, ProtocolVisit } from '../protocol/schema.ts';

// Pure: the schedule of activities laid on a participant's calendar.

const MS_PER_DAY = 86_400_000;

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The calendar date of a study day. Day 1 is the first dose; there is no day 0 after it, so day 0 is the day before. */
export function studyDayDate(day1Date: string, day: number): string {
  return addDays(day1Date, day - 1);
}

/** The study day of a calendar date (the inverse of studyDayDate). */
export function studyDayOf(day1Date: string, isoDate: string): number {
  return (
    Math.round((Date.parse(`${isoDate}T00:00:00Z`) - Date.parse(`${day1Date}T00:00:00Z`)) / MS_PER_DAY) + 1
  );
}

/** A place a form can be filled in: a visit, or one of its timepoints (e.g. vitals 30 minutes after the dose). */
export interface FormSlot {
  /** `visit` or `visit/timepoint`, as stored in form_record.visit_id. */
  visitKey: string;
  visitId: string;
  timepointId: string | null;
  formId: string;
  /** Repeating visits (daily status) take the study day as instance; log forms count records. */
  instances: 'single' | 'per-day' | 'log';
}

export function formSlots(protocol: Protocol): FormSlot[] {
  const logForms = new Set(protocol.forms.filter((form) => form.repeating).map((form) => form.id));
  const slots: FormSlot[] = [];
  for (const visit of protocol.schedule.visits) {
    const instances = (formId: string) =>
      logForms.has(formId) ? 'log' : visit.repeat ? 'per-day' : 'single';
    for (const formId of visit.forms) {
      slots.push({
        visitKey: visit.id,
        visitId: visit.id,
        timepointId: null,
        formId,
        instances: instances(formId),
      });
    }
    for (const timepoint of visit.timepoints) {
      for (const formId of timepoint.forms) {
        slots.push({
          visitKey: `${visit.id}/${timepoint.id}`,
          visitId: visit.id,
          timepointId: timepoint.id,
          formId,
          instances: instances(formId),
        });
      }
    }
  }
  return slots;
}

export function findSlot(protocol: Protocol, visitKey: string, formId: string): FormSlot | undefined {
  return formSlots(protocol).find((slot) => slot.visitKey === visitKey && slot.formId === formId);
}

/** Whether an instance number is possible for a slot (a day of a repeating visit, or a log entry number). */
export function validInstance(protocol: Protocol, slot: FormSlot, instance: number): boolean {
  if (!Number.isInteger(instance) || instance < 1) return false;
  if (slot.instances === 'single') return instance === 1;
  if (slot.instances === 'log') return instance <= 10_000;
  const visit = protocol.schedule.visits.find((entry) => entry.id === slot.visitId);
  if (!visit?.repeat) return false;
  return (
    instance >= visit.day &&
    instance <= visit.repeat.lastDay &&
    (instance - visit.day) % visit.repeat.everyDays === 0
  );
}

export interface VisitWindow {
  visitId: string;
  name: LocalizedText;
  kind: ProtocolVisit['kind'];
  day: number;
  /** Target and window dates; null before enrolment anchors day 1. */
  targetDate: string | null;
  earliestDate: string | null;
  latestDate: string | null;
  windowLabel: string;
}

function windowDays(visit: ProtocolVisit): { before: number; after: number } {
  if (visit.window.unit === 'days') return visit.window;
  // An hours window still falls on the target date or the day beside it.
  return { before: Math.ceil(visit.window.before / 24), after: Math.ceil(visit.window.after / 24) };
}

/** Each visit's target date and window for a participant whose day 1 is `day1Date` (or null before enrolment). */
export function visitWindows(protocol: Protocol, day1Date: string | null): VisitWindow[] {
  return protocol.schedule.visits.map((visit) => {
    const { before, after } = windowDays(visit);
    const unit = visit.window.unit === 'days' ? 'd' : 'h';
    const windowLabel =
      visit.window.before === 0 && visit.window.after === 0
        ? '±0'
        : `−${visit.window.before}${unit}/+${visit.window.after}${unit}`;
    const target = day1Date ? studyDayDate(day1Date, visit.day) : null;
    const last = visit.repeat && day1Date ? studyDayDate(day1Date, visit.repeat.lastDay) : target;
    return {
      visitId: visit.id,
      name: visit.name,
      kind: visit.kind,
      day: visit.day,
      targetDate: target,
      earliestDate: target ? addDays(target, -before) : null,
      latestDate: last ? addDays(last, after) : null,
      windowLabel,
    };
  });
}

/** The first visit whose window has not closed by `today`, for the participant list (an unscheduled visit is never next). */
export function nextVisit(windows: VisitWindow[], today: string): VisitWindow | null {
  const open = windows
    .filter(
      (window) =>
        window.latestDate !== null &&
        window.latestDate >= today &&
        window.kind !== 'screening' &&
        window.kind !== 'unscheduled',
    )
    .sort((a, b) => (a.targetDate ?? '').localeCompare(b.targetDate ?? ''));
  return open[0] ?? null;
}

/**
 * The screening window as it bounds enrolment: the protocol's screening visit (day 0, window −2/+0
 * days in MEXCOVID: screening from day −2 to day 0) must hold the screening date. Day d falls on
 * day 1 + (d − 1) days, so the latest day 1 is the screening date + (1 − day + before) days.
 * Null when the protocol has no screening visit.
 */
export function screeningWindowFor(
  protocol: Protocol,
  screeningDate: string,
): { latestDay1: string; firstDay: number; lastDay: number } | null {
  const visit = protocol.schedule.visits.find((entry) => entry.kind === 'screening');
  if (!visit) return null;
  const { before, after } = windowDays(visit);
  return {
    latestDay1: addDays(screeningDate, 1 - visit.day + before),
    firstDay: visit.day - before,
    lastDay: visit.day + after,
  };
}
