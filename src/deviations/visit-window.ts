import { type DoseWindow, doseTiming } from '../dosing/dose-window.ts';
import { occurrenceWindow } from '../participants/worklist.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { dateInZone } from '../study/zone-date.ts';
import type { DeviationProposal } from './deviation.service.ts';

// Pure: whether a saved form or a given dose falls outside its visit's window.

/**
 * The item that dates a form at its visit: the collection date SDTM names --DTC (vital signs, labs,
 * microbiology, hospitalisation status), or a procedure's PRSTDTC (the chest CT). Other dates on a
 * form (a birth date, a symptom onset, a last contact) are not when the visit took place.
 */
export function visitDateItem(form: ProtocolForm): string | null {
  const item = form.items.find((entry) => {
    const variable = entry.sdtm?.variable;
    if (!variable || (entry.type !== 'date' && entry.type !== 'datetime')) return false;
    return variable === `${entry.sdtm?.domain}DTC` || variable === 'PRSTDTC';
  });
  return item?.id ?? null;
}

const MS_PER_DAY = 86_400_000;
const daysApart = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / MS_PER_DAY);

/**
 * A form dated outside its visit's window (in whole days at the site, the visit's hours rounded out
 * to days), as a deviation to propose; null when it is in window, undated, or has no window to hold
 * (the screening visit, whose window enrolment already enforces, and log forms).
 */
export function formOutsideWindow(
  protocol: Protocol,
  form: ProtocolForm,
  slot: { visitKey: string; instance: number; recordId: string },
  values: Record<string, { value: unknown } | undefined>,
  day1Date: string,
): DeviationProposal | null {
  const visitId = slot.visitKey.split('/')[0] ?? slot.visitKey;
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitId);
  if (!visit || visit.kind === 'screening' || form.repeating) return null;
  const itemId = visitDateItem(form);
  const value = itemId ? values[itemId]?.value : undefined;
  if (typeof value !== 'string' || value.length < 10) return null;
  const date = value.slice(0, 10);
  const window = occurrenceWindow(protocol, day1Date, visitId, slot.instance);
  if (!window || (date >= window.earliest && date <= window.latest)) return null;
  const early = date < window.earliest;
  const days = early ? daysApart(date, window.earliest) : daysApart(window.latest, date);
  return {
    sourceKey: `form_record:${slot.recordId}`,
    visitId,
    formId: form.id,
    category: 'visit-window',
    description: `${form.title.en} of ${slot.visitKey}${visit.repeat ? ` (day ${slot.instance})` : ''} dated ${date}, ${days} day${days === 1 ? '' : 's'} ${early ? 'before its window opened' : 'after its window closed'} (window ${window.earliest} to ${window.latest}).`,
    occurredOn: date,
  };
}

/** A dose started outside its window (`window` as the dosing module computes it at the site), as a deviation to propose. */
export function doseOutsideWindow(
  window: DoseWindow,
  dose: { administrationId: string; startedAt: Date },
  timeZone: string,
): DeviationProposal | null {
  const timing = doseTiming(window, dose.startedAt);
  if (timing === 'on-time') return null;
  const hours = Math.abs(
    (timing === 'early' ? window.earliest.getTime() : window.latest.getTime()) - dose.startedAt.getTime(),
  );
  const late = `${Math.ceil(hours / 3_600_000)} h`;
  const date = dateInZone(dose.startedAt, timeZone);
  return {
    sourceKey: `dosing_administration:${dose.administrationId}`,
    visitId: window.visitId,
    formId: null,
    category: 'dose-window',
    description: `Dose ${window.doseNumber} (${window.visitId}) started on ${date} at the site, ${late} ${timing === 'early' ? 'before its window opened' : 'after its window closed'}.`,
    occurredOn: date,
  };
}
