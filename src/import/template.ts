import { csvLine } from '../exchange/csv.ts';
import { formSlots } from '../participants/schedule.ts';
import { isDoseRecordForm } from '../protocol/dose-record-form.ts';
import type { Protocol } from '../protocol/schema.ts';
import { UnreadableSource } from './import-row.ts';

// Pure: a wide CSV that the import reads back. One column per item that can be entered at the visits
// chosen (`form.item`, so that no name is ambiguous), a line per participant and visit, every value
// blank: imported as it is, it changes nothing; filled in, it enters what was filled.

export interface TemplateParticipant {
  /** The study number, or the screening number before randomisation. */
  number: string;
}

/** The visit keys a template covers: the one asked for, or every visit key of the schedule. */
function templateVisits(protocol: Protocol, visit: string | undefined): string[] {
  const keys = [...new Set(formSlots(protocol).map((slot) => slot.visitKey))];
  if (visit === undefined) return keys;
  if (!keys.includes(visit)) {
    throw new UnreadableSource(`The protocol has no visit "${visit}"; its visits are ${keys.join(', ')}.`);
  }
  return [visit];
}

/** The item columns of the visits: entered items only (no computed ones, no dose record). */
export function templateColumns(protocol: Protocol, visits: readonly string[]): string[] {
  const columns: string[] = [];
  for (const slot of formSlots(protocol)) {
    if (!visits.includes(slot.visitKey)) continue;
    const form = protocol.forms.find((entry) => entry.id === slot.formId);
    if (!form || isDoseRecordForm(form)) continue;
    for (const item of form.items) {
      const column = `${form.id}.${item.id}`;
      if (item.derivation === undefined && !columns.includes(column)) columns.push(column);
    }
  }
  return columns;
}

/** The first instance of a visit key: the first day of a repeating visit, 1 otherwise. */
function firstInstance(protocol: Protocol, visitKey: string): number {
  const visit = protocol.schedule.visits.find((entry) => entry.id === visitKey.split('/')[0]);
  return visit?.repeat ? visit.day : 1;
}

/** The template's CSV text (CRLF lines), written as the form data import reads it. */
export function csvTemplate(
  protocol: Protocol,
  participants: readonly TemplateParticipant[],
  visit?: string,
): string {
  const visits = templateVisits(protocol, visit);
  const columns = templateColumns(protocol, visits);
  const blanks = columns.map(() => '');
  const lines = [csvLine(['participant', 'visit', 'instance', ...columns], 'raw')];
  for (const participant of participants) {
    for (const key of visits) {
      lines.push(csvLine([participant.number, key, firstInstance(protocol, key), ...blanks], 'raw'));
    }
  }
  return lines.join('');
}
