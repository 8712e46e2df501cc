import type { LocalizedText, Protocol } from '../protocol/schema.ts';
import { formSlots, studyDayDate, studyDayOf, type VisitWindow, visitWindows } from './schedule.ts';

// Pure: which of a participant's scheduled forms are due, late or missing on a day at the site.

/**
 * Where a scheduled form stands on `today` (the site's date):
 * - `done`: a record is saved for it;
 * - `upcoming`: its target date is still ahead (its window may be open already: it can be done early);
 * - `due-today`: its target date is today;
 * - `overdue`: its target date has passed but its window is still open (it can still be done in window);
 * - `missing`: its window has closed with nothing saved.
 */
export type WorkState = 'done' | 'upcoming' | 'due-today' | 'overdue' | 'missing';

export const workStates = ['due-today', 'overdue', 'missing', 'done', 'upcoming'] as const;

export interface WorkItem {
  visitId: string;
  visitName: LocalizedText;
  /** `visit` or `visit/timepoint`, as the form page's address takes it. */
  visitKey: string;
  formId: string;
  formTitle: LocalizedText;
  /** The study day for a daily visit, 1 otherwise. */
  instance: number;
  targetDate: string;
  earliestDate: string;
  latestDate: string;
  state: WorkState;
  /** Days after the target date (overdue and missing), 0 otherwise. */
  daysLate: number;
}

export interface WorklistParticipant {
  day1Date: string;
  /** The last day the participant is followed (end of participation), or null while on study. */
  endDate: string | null;
  /** `visitKey|formId|instance` of each saved record. */
  saved: ReadonlySet<string>;
}

export const savedKey = (visitKey: string, formId: string, instance: number) =>
  `${visitKey}|${formId}|${instance}`;

const daysBetween = (from: string, to: string) => studyDayOf(from, to) - 1;

function stateOf(
  window: { target: string; earliest: string; latest: string },
  today: string,
  saved: boolean,
) {
  if (saved) return { state: 'done' as const, daysLate: 0 };
  const late = daysBetween(window.target, today);
  if (late < 0) return { state: 'upcoming' as const, daysLate: 0 };
  if (today > window.latest) return { state: 'missing' as const, daysLate: late };
  return late > 0
    ? { state: 'overdue' as const, daysLate: late }
    : { state: 'due-today' as const, daysLate: 0 };
}

/** Each day of a visit: the visit's own window, or one window per study day of a daily visit. */
function occurrences(
  window: VisitWindow,
  day1Date: string,
  repeat: { everyDays: number; lastDay: number } | undefined,
) {
  const target = window.targetDate ?? day1Date;
  const earliest = window.earliestDate ?? target;
  if (!repeat) return [{ instance: 1, target, earliest, latest: window.latestDate ?? target }];
  const before = daysBetween(earliest, target);
  // The visit's latest date is the last day's target widened by the window: each day gets the same.
  const after = daysBetween(studyDayDate(day1Date, repeat.lastDay), window.latestDate ?? target);
  const days: Array<{ instance: number; target: string; earliest: string; latest: string }> = [];
  for (let day = window.day; day <= repeat.lastDay; day += repeat.everyDays) {
    const dayTarget = studyDayDate(day1Date, day);
    days.push({
      instance: day,
      target: dayTarget,
      earliest: studyDayDate(day1Date, day - before),
      latest: studyDayDate(day1Date, day + after),
    });
  }
  return days;
}

/**
 * A participant's scheduled forms with their state on `today`, from the protocol's visit windows laid
 * on day 1. Log forms (repeating forms such as concomitant medications) have no due date and are left
 * out, except the first entry of a series due at each visit (`dueAtVisits`, RT-PCR); so are unscheduled
 * visits and any visit whose window opens after the participant's end of participation.
 */
export function worklistOf(protocol: Protocol, participant: WorklistParticipant, today: string): WorkItem[] {
  const windows = new Map(
    visitWindows(protocol, participant.day1Date).map((window) => [window.visitId, window]),
  );
  const titles = new Map(protocol.forms.map((form) => [form.id, form.title]));
  // A series' first entry (instance 1) is due like a single form's; its further entries never are.
  const dueSeries = new Set(protocol.forms.filter((form) => form.dueAtVisits).map((form) => form.id));
  const items: WorkItem[] = [];
  for (const slot of formSlots(protocol)) {
    if (slot.instances === 'log' && !dueSeries.has(slot.formId)) continue;
    const window = windows.get(slot.visitId);
    const visit = protocol.schedule.visits.find((entry) => entry.id === slot.visitId);
    // An unscheduled visit has no date to be due on: what is entered there is extra.
    if (!window || !visit || visit.kind === 'unscheduled') continue;
    for (const occurrence of occurrences(window, participant.day1Date, visit.repeat)) {
      if (participant.endDate && occurrence.earliest > participant.endDate) continue;
      const saved = participant.saved.has(savedKey(slot.visitKey, slot.formId, occurrence.instance));
      items.push({
        visitId: slot.visitId,
        visitName: window.name,
        visitKey: slot.visitKey,
        formId: slot.formId,
        formTitle: titles.get(slot.formId) ?? { en: slot.formId, zh: slot.formId },
        instance: occurrence.instance,
        targetDate: occurrence.target,
        earliestDate: occurrence.earliest,
        latestDate: occurrence.latest,
        ...stateOf(occurrence, today, saved),
      });
    }
  }
  return items;
}

/** The window of one visit instance (a daily visit's day, or the visit) for a participant's day 1. */
export function occurrenceWindow(
  protocol: Protocol,
  day1Date: string,
  visitId: string,
  instance: number,
): { target: string; earliest: string; latest: string } | null {
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  const window = visitWindows(protocol, day1Date).find((entry) => entry.visitId === visitId);
  if (!visit || !window) return null;
  return occurrences(window, day1Date, visit.repeat).find((entry) => entry.instance === instance) ?? null;
}
