import type { FieldInput } from '../crf/entries.ts';
import { visitDateItem } from '../deviations/visit-window.ts';
import { convertUnit, roundTo } from '../labs/units.ts';
import { formSlots, visitWindows } from '../participants/schedule.ts';
import type { Protocol, ProtocolForm, ProtocolItem } from '../protocol/schema.ts';
import type { CollectionTime, ReportedResult } from './lab-report.ts';

// Pure: where a laboratory result goes in a participant's casebook. The item is the one protocol item
// that declares the result's LOINC code; the visit is the one whose window holds the collection date
// (at the site); the value is converted to the item's unit by UCUM. Anything that cannot be decided
// without a person is a problem, and the result waits in the review queue with it.

/** Why a result waits for review. */
export type ReviewProblem =
  | 'unknown_identifier'
  | 'ambiguous_identifier'
  | 'unknown_loinc'
  | 'ambiguous_loinc'
  | 'not_a_number'
  | 'unit'
  | 'no_collection_time'
  | 'no_visit_window'
  | 'ambiguous_visit'
  | 'other_sample'
  | 'different_value'
  | 'locked'
  | 'refused';

export class PlacementProblem extends Error {
  override name = 'PlacementProblem';
  constructor(
    readonly problem: ReviewProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface LabTarget {
  form: ProtocolForm;
  item: ProtocolItem;
}

/** The protocol items that declare a LOINC code, by code. */
export function itemsByLoinc(protocol: Protocol): Map<string, LabTarget[]> {
  const targets = new Map<string, LabTarget[]>();
  for (const form of protocol.forms) {
    for (const item of form.items) {
      for (const code of item.loinc ?? []) targets.set(code, [...(targets.get(code) ?? []), { form, item }]);
    }
  }
  return targets;
}

export function targetOf(protocol: Protocol, loinc: string | null): LabTarget {
  const targets = loinc ? (itemsByLoinc(protocol).get(loinc) ?? []) : [];
  if (targets.length === 1 && targets[0]) return targets[0];
  if (targets.length === 0) {
    throw new PlacementProblem(
      'unknown_loinc',
      loinc
        ? `No protocol item declares LOINC code ${loinc}.`
        : 'The result names no LOINC code (OBX-3 coding system LN, or Observation.code system http://loinc.org).',
    );
  }
  throw new PlacementProblem(
    'ambiguous_loinc',
    `LOINC code ${loinc} is declared by ${targets.map((entry) => `${entry.form.id}.${entry.item.id}`).join(' and ')}.`,
  );
}

/**
 * The value as the item stores it: a plain number (no comparator such as `<0.5`), in the item's unit
 * or one it lists (the form writer converts those and keeps the value as sent), or in another UCUM
 * unit that converts to the item's (converted here, rounded to the item's decimals).
 */
export function fieldOf(result: Pick<ReportedResult, 'value' | 'unit'>, item: ProtocolItem): FieldInput {
  const value = /^-?\d+(\.\d+)?$/.test(result.value.trim()) ? Number(result.value) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new PlacementProblem('not_a_number', `The value "${result.value}" is not a plain number.`);
  }
  if (item.unit === undefined) return { value };
  if (result.unit === null || result.unit === '') {
    throw new PlacementProblem('unit', `The result gives no unit; ${item.id} is kept in ${item.unit}.`);
  }
  if (result.unit === item.unit || (item.units ?? []).includes(result.unit))
    return { value, unit: result.unit };
  const converted = convertUnit(value, result.unit, item.unit, item.molarMass);
  if (!converted.ok) {
    throw new PlacementProblem(
      'unit',
      `${result.unit} does not convert to ${item.unit}: ${converted.message}`,
    );
  }
  const decimals = item.type === 'integer' ? 0 : (item.precision ?? 6);
  return { value: roundTo(converted.value, decimals) };
}

const pad = (value: number) => String(value).padStart(2, '0');

/** The collection time at the site (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`): a time with an offset is moved to the site's zone. */
export function siteLocalTime(time: CollectionTime, timeZone: string): string {
  if (time.offsetMinutes === null || time.local.length === 10) return time.local;
  const instant = new Date(Date.parse(`${time.local}:00Z`) - time.offsetMinutes * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${pad(Number(parts.hour))}:${parts.minute}`;
}

const MS_PER_DAY = 86_400_000;
const daysBetween = (from: string, to: string) =>
  Math.abs(Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY));
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);

export interface VisitChoice {
  visitKey: string;
  /** 1 for a scheduled visit; the next free log entry is chosen by the service for an unscheduled one. */
  unscheduled: boolean;
}

/**
 * The visit whose window holds the collection date, among the visits (not their timepoints) that
 * carry the form. Windows can overlap (day 5 ± 6 h and day 7 − 2 days): the visit whose target is
 * nearest wins, and a tie is for a person to decide. Before enrolment (no day 1) only the screening
 * visit is placed, around the screening date by its window's width. With no window, an unscheduled
 * visit of the protocol that carries the form as a repeating (log) form takes the result.
 */
export function chooseVisit(
  protocol: Protocol,
  form: ProtocolForm,
  participant: { day1Date: string | null; screeningDate: string },
  collectedOn: string,
): VisitChoice {
  const slots = formSlots(protocol).filter((slot) => slot.formId === form.id && slot.timepointId === null);
  const visitsWithForm = new Set(slots.map((slot) => slot.visitId));
  const candidates = visitWindows(protocol, participant.day1Date)
    .filter((window) => visitsWithForm.has(window.visitId) && window.kind !== 'unscheduled')
    .map((window) => {
      if (window.targetDate !== null || window.kind !== 'screening') return window;
      const visit = protocol.schedule.visits.find((entry) => entry.id === window.visitId);
      const width = visit
        ? Math.ceil((visit.window.before + visit.window.after) / (visit.window.unit === 'days' ? 1 : 24))
        : 0;
      return {
        ...window,
        targetDate: participant.screeningDate,
        earliestDate: addDays(participant.screeningDate, -width),
        latestDate: addDays(participant.screeningDate, width),
      };
    })
    .filter(
      (window) =>
        window.earliestDate !== null &&
        window.latestDate !== null &&
        window.targetDate !== null &&
        collectedOn >= window.earliestDate &&
        collectedOn <= window.latestDate,
    );
  if (candidates.length > 0) {
    const distance = (target: string | null) => daysBetween(target ?? collectedOn, collectedOn);
    const nearest = Math.min(...candidates.map((window) => distance(window.targetDate)));
    const best = candidates.filter((window) => distance(window.targetDate) === nearest);
    if (best.length === 1 && best[0]) return { visitKey: best[0].visitId, unscheduled: false };
    throw new PlacementProblem(
      'ambiguous_visit',
      `Collected on ${collectedOn}, equally near ${best.map((window) => window.visitId).join(' and ')}.`,
    );
  }
  const unscheduled = slots.find(
    (slot) =>
      slot.instances === 'log' &&
      protocol.schedule.visits.find((visit) => visit.id === slot.visitId)?.kind === 'unscheduled',
  );
  if (unscheduled) return { visitKey: unscheduled.visitKey, unscheduled: true };
  throw new PlacementProblem(
    'no_visit_window',
    participant.day1Date === null
      ? `Collected on ${collectedOn}, outside the screening window around the screening date ${participant.screeningDate}, and the participant is not enrolled.`
      : `Collected on ${collectedOn}, in no window of a visit with the ${form.id} form.`,
  );
}

/** The form's date item (the collection date or time) and the value this result gives it. */
export function dateFieldOf(form: ProtocolForm, siteTime: string): { itemId: string; value: string } | null {
  const itemId = visitDateItem(form);
  if (!itemId) return null;
  const item = form.items.find((entry) => entry.id === itemId);
  if (item?.type === 'datetime') {
    if (siteTime.length === 10) {
      throw new PlacementProblem(
        'no_collection_time',
        `${form.id}.${itemId} needs the time of collection; the result gives only the date.`,
      );
    }
    return { itemId, value: siteTime };
  }
  return { itemId, value: siteTime.slice(0, 10) };
}
