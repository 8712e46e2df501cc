import { z } from 'zod';
import type { Protocol } from '../protocol/schema.ts';
import { UnreadableSource } from './import-row.ts';

// Pure: which column of a table (CSV, XLSX) holds what. By name: `participant` (or `study_number`,
// `screening_number`, `subject`), `visit`, `instance`, and for the long layout `item`, `value` and
// an optional `form`; every other column names an item (`temperature` or `vitals.temperature`).
// A mapping, edited by the user and kept as a JSON file, renames columns that have other names.

const roles = ['participant', 'visit', 'instance', 'form', 'item', 'value', 'ignore'] as const;
type Role = (typeof roles)[number];

const ROLE_NAMES: Record<string, Role> = {
  participant: 'participant',
  study_number: 'participant',
  studynumber: 'participant',
  screening_number: 'participant',
  subject: 'participant',
  subjectkey: 'participant',
  visit: 'visit',
  instance: 'instance',
  form: 'form',
  item: 'item',
  value: 'value',
};

export const columnMappingSchema = z.strictObject({
  /** Column name → `participant`, `visit`, `instance`, `form`, `item`, `value`, `ignore`, or an item (`form.item` or `item`). */
  columns: z.record(z.string(), z.string().min(1)).default({}),
  /** The visit of every row, for a file without a visit column. */
  visit: z.string().min(1).optional(),
});
export type ColumnMapping = z.infer<typeof columnMappingSchema>;

/** A mapping read from JSON text, or a clear refusal. */
export function parseMapping(text: string): ColumnMapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UnreadableSource('The mapping is not JSON: write {"columns": {"File column": "form.item"}}.');
  }
  const parsed = columnMappingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnreadableSource(
      `The mapping is not valid at ${issue?.path.join('.') || 'its top'}: ${issue?.message}. Write {"columns": {"File column": "form.item"}, "visit": "screening"}.`,
    );
  }
  return parsed.data;
}

export interface ItemColumn {
  index: number;
  column: string;
  formId?: string;
  itemId: string;
}

export interface TableLayout {
  kind: 'wide' | 'long';
  participant: number;
  visit: number | undefined;
  fixedVisit: string | undefined;
  instance: number | undefined;
  form: number | undefined;
  item: number | undefined;
  value: number | undefined;
  items: ItemColumn[];
}

const normal = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** An item named `form.item` or `item`, if the protocol has one by that name. */
function itemTarget(protocol: Protocol, name: string): { formId?: string; itemId: string } | null {
  const [first, second] = name.trim().split('.');
  if (second !== undefined && first) {
    const form = protocol.forms.find((entry) => entry.id === first);
    return form?.items.some((item) => item.id === second) ? { formId: first, itemId: second } : null;
  }
  const itemId = name.trim();
  return protocol.forms.some((form) => form.items.some((item) => item.id === itemId)) ? { itemId } : null;
}

/** The layout of a table from its header and the mapping; columns no one can place refuse the file. */
export function tableLayout(
  protocol: Protocol,
  header: string[],
  mapping: ColumnMapping = { columns: {} },
): TableLayout {
  const found: Partial<Record<Role, number>> = {};
  const items: ItemColumn[] = [];
  const unknown: string[] = [];
  header.forEach((rawName, index) => {
    const name = rawName.trim();
    if (name === '') return;
    const target = mapping.columns[name] ?? mapping.columns[rawName] ?? name;
    const role = (roles as readonly string[]).includes(target)
      ? (target as Role)
      : ROLE_NAMES[normal(target)];
    if (role === 'ignore') return;
    if (role) {
      if (found[role] !== undefined) throw new UnreadableSource(`Two columns hold the ${role}: keep one.`);
      found[role] = index;
      return;
    }
    const item = itemTarget(protocol, target);
    if (item) items.push({ index, column: name, ...item });
    else unknown.push(name);
  });
  if (found.participant === undefined) {
    throw new UnreadableSource(
      'No column holds the participant: name one "participant" (the study or screening number), or map it.',
    );
  }
  const long = found.item !== undefined || found.value !== undefined;
  if (long && (found.item === undefined || found.value === undefined)) {
    throw new UnreadableSource('A long table needs both an "item" and a "value" column.');
  }
  if (unknown.length > 0 && !long) {
    const shown = unknown
      .slice(0, 10)
      .map((name) => `"${name}"`)
      .join(', ');
    throw new UnreadableSource(
      `${unknown.length} column${unknown.length === 1 ? '' : 's'} name no item of the protocol (${shown}${unknown.length > 10 ? ', …' : ''}): name them as form.item, or map them, or map them to "ignore".`,
    );
  }
  if (found.visit === undefined && !mapping.visit) {
    throw new UnreadableSource(
      'No column holds the visit: add a "visit" column, or give the visit in the mapping.',
    );
  }
  return {
    kind: long ? 'long' : 'wide',
    participant: found.participant,
    visit: found.visit,
    fixedVisit: mapping.visit,
    instance: found.instance,
    form: found.form,
    item: found.item,
    value: found.value,
    items,
  };
}
