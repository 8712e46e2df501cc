import { allowedCodes } from '../crf/form-checks.ts';
import { RECORD_ID, redcapVariable } from '../exchange/redcap/redcap-dictionary.ts';
import { checkboxColumn, redcapEventName } from '../exchange/redcap/redcap-export.ts';
import { formSlots } from '../participants/schedule.ts';
import type { Protocol } from '../protocol/schema.ts';
import { type ImportRow, type RowCell, UnreadableSource } from './import-row.ts';
import type { RawValue } from './read-value.ts';
import type { TableLine } from './table-rows.ts';

// A REDCap flat records CSV of a project whose dictionary came from (or went to) this protocol:
// `record_id` (the study or screening number), `redcap_event_name` (`day_1_pre_dose_arm_1`),
// `redcap_repeat_instrument` and `redcap_repeat_instance`, a column per field (`form_item`, lower
// case) and a column per checkbox option (`form_item___code`). `*_complete` columns are left out.

type Target =
  | { kind: 'field'; formId: string; itemId: string }
  | { kind: 'checkbox'; formId: string; itemId: string; code: string };

/** A name compared without case and separators: REDCap's `heart_rate` is the item `heartRate`. */
const plain = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The columns a protocol's items have in a REDCap export: `form_item` as exotrial exports them, and
 * the bare variable name of a project whose dictionary was imported (`heart_rate` for `heartRate`),
 * where only one item of the protocol has that name.
 */
function fieldTargets(protocol: Protocol): Map<string, Target> {
  const targets = new Map<string, Target>();
  const bare = new Map<string, Target | null>();
  const add = (exported: string, plainName: string, target: Target) => {
    targets.set(exported, target);
    bare.set(plainName, bare.has(plainName) ? null : target);
  };
  for (const form of protocol.forms) {
    for (const item of form.items) {
      const variable = redcapVariable(form.id, item.id);
      if (item.type !== 'multichoice') {
        add(variable, plain(item.id), { kind: 'field', formId: form.id, itemId: item.id });
        continue;
      }
      for (const code of allowedCodes(protocol, item)) {
        const target: Target = { kind: 'checkbox', formId: form.id, itemId: item.id, code };
        add(checkboxColumn(variable, code), `${plain(item.id)}___${plain(code)}`, target);
      }
    }
  }
  for (const [name, target] of bare) {
    if (target && !targets.has(name)) targets.set(name, target);
  }
  return targets;
}

/** The target of a header column: by its exported name, else by its bare variable name. */
function targetOf(targets: Map<string, Target>, name: string): Target | undefined {
  const exported = targets.get(name);
  if (exported) return exported;
  const [variable = '', code] = name.split('___');
  return targets.get(code === undefined ? plain(variable) : `${plain(variable)}___${plain(code)}`);
}

const text = (value: RawValue | undefined) =>
  value === null || value === undefined ? '' : String(value).trim();

/** The cells of a line: fields as they are, each multichoice from its checked boxes. */
function cellsOf(line: TableLine, columns: Array<[number, string, Target]>): RowCell[] {
  const cells: RowCell[] = [];
  const boxes = new Map<string, { formId: string; itemId: string; checked: string[]; given: boolean }>();
  for (const [index, name, target] of columns) {
    const value = text(line.cells[index]);
    if (target.kind === 'field') {
      cells.push({ column: name, formId: target.formId, itemId: target.itemId, raw: value });
      continue;
    }
    const key = `${target.formId}.${target.itemId}`;
    const box = boxes.get(key) ?? { formId: target.formId, itemId: target.itemId, checked: [], given: false };
    if (value !== '') box.given = true;
    if (value === '1') box.checked.push(target.code);
    boxes.set(key, box);
  }
  for (const [key, box] of boxes) {
    // REDCap writes 0 for every unchecked box of a saved record: none checked is an empty answer, not given.
    const raw = box.given && box.checked.length > 0 ? box.checked.join(',') : null;
    cells.push({ column: `${key} (checkboxes)`, formId: box.formId, itemId: box.itemId, raw });
  }
  return cells;
}

/** The rows of a REDCap flat records CSV, read line by line. */
export async function* redcapRows(
  lines: AsyncIterable<TableLine>,
  protocol: Protocol,
): AsyncGenerator<ImportRow> {
  const events = new Map(formSlots(protocol).map((slot) => [redcapEventName(slot.visitKey), slot.visitKey]));
  const targets = fieldTargets(protocol);
  let header: string[] | undefined;
  let columns: Array<[number, string, Target]> = [];
  for await (const line of lines) {
    if (!header) {
      header = line.cells.map(text);
      if (header[0] !== RECORD_ID || !header.includes('redcap_event_name')) {
        throw new UnreadableSource(
          `A REDCap records export starts with the columns ${RECORD_ID} and redcap_event_name (export the project as a flat CSV of raw values).`,
        );
      }
      columns = header.flatMap((name, index) => {
        const target = targetOf(targets, name);
        return target ? [[index, name, target] as [number, string, Target]] : [];
      });
      continue;
    }
    const at = (name: string) => text(line.cells[header?.indexOf(name) ?? -1]);
    const event = at('redcap_event_name');
    const instance = at('redcap_repeat_instance');
    yield {
      line: line.line,
      participant: at(RECORD_ID),
      visit: events.get(event) ?? event,
      instance: instance === '' ? 1 : /^\d+$/.test(instance) ? Number(instance) : 0,
      cells: cellsOf(line, columns),
    };
  }
  if (!header) throw new UnreadableSource('The file is empty: it has no header line.');
}
