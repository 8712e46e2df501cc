import { studyDayDate } from '../participants/schedule.ts';
import type { Protocol, ProtocolVisit } from '../protocol/schema.ts';
import { addDuration, parseClinicalTime } from '../safety/clocks.ts';

// Pure: when each scheduled dose may be given, and where a participant's doses stand.

export interface DoseWindow {
  visitId: string;
  doseNumber: number;
  earliest: Date;
  latest: Date;
}

/**
 * A dose visit's window at the site. A window in days covers whole calendar days at the site
 * (00:00 of the first to 24:00 of the last). A window in hours is around the target time: the first
 * dose's start plus the days between the visits (same wall-clock time at the site), or, before the
 * first dose was given, the whole target day widened by the hours.
 */
export function doseWindow(
  protocol: Protocol,
  visit: ProtocolVisit,
  day1Date: string,
  firstDoseStart: Date | null,
  timeZone: string,
): DoseWindow {
  const doseNumber = protocol.regimen.doseVisits.indexOf(visit.id) + 1;
  const target = studyDayDate(day1Date, visit.day);
  const midnight = (date: string) =>
    parseClinicalTime(`${date}T00:00`, timeZone) ?? new Date(`${date}T00:00:00Z`);
  const dayStart = midnight(target);
  const dayEnd = addDuration(dayStart, { value: 1, unit: 'days' }, timeZone);
  if (visit.window.unit === 'days') {
    return {
      visitId: visit.id,
      doseNumber,
      earliest: addDuration(dayStart, { value: -visit.window.before, unit: 'days' }, timeZone),
      latest: addDuration(dayEnd, { value: visit.window.after, unit: 'days' }, timeZone),
    };
  }
  const firstVisit = protocol.schedule.visits.find((entry) => entry.id === protocol.regimen.doseVisits[0]);
  if (firstDoseStart && firstVisit) {
    const anchor = addDuration(firstDoseStart, { value: visit.day - firstVisit.day, unit: 'days' }, timeZone);
    return {
      visitId: visit.id,
      doseNumber,
      earliest: addDuration(anchor, { value: -visit.window.before, unit: 'hours' }, timeZone),
      latest: addDuration(anchor, { value: visit.window.after, unit: 'hours' }, timeZone),
    };
  }
  return {
    visitId: visit.id,
    doseNumber,
    earliest: addDuration(dayStart, { value: -visit.window.before, unit: 'hours' }, timeZone),
    latest: addDuration(dayEnd, { value: visit.window.after, unit: 'hours' }, timeZone),
  };
}

export const inWindow = (window: DoseWindow, at: Date) =>
  at.getTime() >= window.earliest.getTime() && at.getTime() <= window.latest.getTime();

export type DoseState = 'given' | 'interrupted' | 'not-given' | 'missed' | 'due' | 'upcoming';

/** A scheduled dose with no record is due while its window is open, missed once it has closed. */
export function doseState(
  window: DoseWindow,
  record: { status: 'completed' | 'interrupted' | 'not-given' } | null,
  now: Date,
): DoseState {
  if (record) return record.status === 'completed' ? 'given' : record.status;
  if (now.getTime() > window.latest.getTime()) return 'missed';
  return now.getTime() >= window.earliest.getTime() ? 'due' : 'upcoming';
}

/** When a given dose started against its window: before it opened, within it, or after it closed. */
export type DoseTiming = 'early' | 'on-time' | 'late';

export function doseTiming(window: DoseWindow, startedAt: Date): DoseTiming {
  if (startedAt.getTime() < window.earliest.getTime()) return 'early';
  return startedAt.getTime() > window.latest.getTime() ? 'late' : 'on-time';
}

export interface Compliance {
  /** Doses given (completed or interrupted). */
  given: number;
  /** Doses whose window has opened (what should have been given by now). */
  expected: number;
  percent: number | null;
  /** Of the given doses: completed in full, and started outside the window (late = delayed). */
  completed: number;
  interrupted: number;
  notGiven: number;
  missed: number;
  early: number;
  delayed: number;
}

/**
 * Compliance: doses given (completed or interrupted) over doses whose window has opened, with what
 * went wrong counted apart: interrupted, recorded as not given, missed (no record once the window
 * closed), and given early or late (delayed) against the window.
 */
export function compliance(
  doses: ReadonlyArray<{ state: DoseState; timing?: DoseTiming | null }>,
): Compliance {
  const count = (test: (dose: (typeof doses)[number]) => boolean) => doses.filter(test).length;
  const given = count((dose) => dose.state === 'given' || dose.state === 'interrupted');
  const expected = count((dose) => dose.state !== 'upcoming');
  return {
    given,
    expected,
    percent: expected === 0 ? null : Math.round((given / expected) * 1000) / 10,
    completed: count((dose) => dose.state === 'given'),
    interrupted: count((dose) => dose.state === 'interrupted'),
    notGiven: count((dose) => dose.state === 'not-given'),
    missed: count((dose) => dose.state === 'missed'),
    early: count((dose) => dose.timing === 'early'),
    delayed: count((dose) => dose.timing === 'late'),
  };
}
