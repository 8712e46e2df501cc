import { parse } from 'csv-parse/sync';
import { validationFailed } from '../../kernel/errors.ts';
import type { ProtocolForm, ProtocolItem } from '../../protocol/schema.ts';
import type { ImportResult } from '../odm/odm-import.ts';
import { toIdentifier } from '../odm/odm-import.ts';
import {
  annotationTags,
  annotationValue,
  type DictionaryRow,
  dictionaryColumns,
  dictionaryRowOf,
  RECORD_ID,
} from './redcap-dictionary.ts';
import { type LogicField, redcapLogicToRule } from './redcap-logic.ts';

// A REDCap data dictionary (CSV) as protocol forms: one form per instrument, one item per field.
// Field types, choices, validation (type, min, max), required flags and branching logic are
// translated; what has no equivalent is listed in `notes`, one line each, never silently dropped.

const RESERVED = new Set(['and', 'or', 'not', 'in', 'is', 'missing', 'present', 'true', 'false', 'date']);

/** A protocol identifier from a REDCap name (never a keyword of the rule language). */
function identifier(raw: string): string {
  const id = toIdentifier(raw);
  return RESERVED.has(id) ? `${id}_` : id;
}

const stripHtml = (text: string) =>
  text
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();

/** Marks a text REDCap gave only in one language: Chinese readers see at once that it awaits translation. */
export const UNTRANSLATED = '【待译】';
const CJK = /[\u3400-\u9fff]/;

const humanise = (name: string) => {
  const text = name.replace(/_/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
};

function parseChoices(text: string): Array<{ code: string; label: string }> {
  return text
    .split('|')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const comma = part.indexOf(',');
      if (comma < 0) return { code: part, label: part };
      return { code: part.slice(0, comma).trim(), label: part.slice(comma + 1).trim() || part };
    });
}

type ItemShape = Pick<ProtocolItem, 'type'> & Partial<Pick<ProtocolItem, 'precision' | 'range' | 'checks'>>;

const numberValidations: Record<string, ItemShape> = {
  integer: { type: 'integer' },
  number: { type: 'decimal' },
  number_comma_decimal: { type: 'decimal' },
};

/** Item type and numeric details from REDCap's field type and text validation. */
function shapeOf(row: DictionaryRow, note: (message: string) => void): ItemShape | null {
  switch (row.fieldType) {
    case 'notes':
      return { type: 'text' };
    case 'dropdown':
    case 'radio':
      return { type: 'choice' };
    case 'checkbox':
      return { type: 'multichoice' };
    case 'yesno':
    case 'truefalse':
      return { type: 'boolean' };
    case 'file':
      return { type: 'file' };
    case 'slider':
      return { type: 'integer', range: { low: 0, high: 100 } };
    case 'calc':
      note(
        'a calculated field: its formula is not translated; the item is entered by hand until a derivation is written',
      );
      return { type: 'decimal' };
    case 'sql':
      note('an SQL field has no equivalent; imported as text');
      return { type: 'text' };
    case 'descriptive':
      note('descriptive text is not an item; not imported');
      return null;
    case 'text':
      break;
    default:
      note(`field type "${row.fieldType}" is unknown; imported as text`);
      return { type: 'text' };
  }
  const validation = row.validation;
  if (!validation) return { type: 'text' };
  const numeric = numberValidations[validation];
  if (numeric) return numeric;
  const places = /^number_(\d)dp(_comma_decimal)?$/.exec(validation);
  if (places) return { type: 'decimal', precision: Number(places[1]) };
  if (/^date_(ymd|mdy|dmy)$/.test(validation)) return { type: 'date' };
  if (/^datetime(_seconds)?_(ymd|mdy|dmy)$/.test(validation)) return { type: 'datetime' };
  note(`text validation "${validation}" has no equivalent; imported as free text`);
  return { type: 'text' };
}

/** Min/max as a numeric range, or for dates as a hard edit check. */
function limits(
  row: DictionaryRow,
  item: ProtocolItem,
  note: (message: string) => void,
): Partial<ProtocolItem> {
  if (!row.min && !row.max) return {};
  if (item.type === 'integer' || item.type === 'decimal') {
    const low = row.min === '' ? undefined : Number(row.min);
    const high = row.max === '' ? undefined : Number(row.max);
    if ((low !== undefined && !Number.isFinite(low)) || (high !== undefined && !Number.isFinite(high))) {
      note(`validation limits "${row.min}"–"${row.max}" are not numbers; not imported`);
      return {};
    }
    return {
      range: {
        ...(item.range ?? {}),
        ...(low === undefined ? {} : { low }),
        ...(high === undefined ? {} : { high }),
      },
    };
  }
  if (item.type === 'date' || item.type === 'datetime') {
    const reference = '__ITEM__';
    const parts: string[] = [];
    const iso = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/;
    for (const [bound, op] of [
      [row.min, '>='],
      [row.max, '<='],
    ] as const) {
      if (!bound) continue;
      if (!iso.test(bound)) {
        note(`date limit "${bound}" is not Y-M-D (smart variables such as "today" are not imported)`);
        continue;
      }
      parts.push(`${reference} ${op} date(${JSON.stringify(bound.replace(' ', 'T'))})`);
    }
    if (parts.length === 0) return {};
    const range = [row.min, row.max].filter(Boolean).join(' to ');
    return {
      checks: [
        {
          rule: parts.join(' and '),
          severity: 'hard',
          message: { en: `Enter a date within ${range}.`, zh: `请输入 ${range} 之间的日期。` },
        },
      ],
    };
  }
  note('validation limits apply only to numbers and dates; not imported');
  return {};
}

/** Reads a REDCap data dictionary CSV into forms (English labels; the Chinese repeats them until translated). */
export function importRedcapDictionary(csv: string): ImportResult {
  let records: Record<string, string>[];
  try {
    records = parse(csv, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: true });
  } catch (error) {
    const message = `Not a readable CSV file: ${(error as Error).message}`;
    throw validationFailed([{ field: 'file', message }], message);
  }
  const header = records[0] ? Object.keys(records[0]) : [];
  const missing = dictionaryColumns.slice(0, 5).filter((column) => !header.includes(column));
  if (records.length === 0 || missing.length > 0) {
    const message = `This is not a REDCap data dictionary: the columns ${missing.map((name) => `"${name}"`).join(', ') || 'and rows'} are missing.`;
    throw validationFailed([{ field: 'file', message }], message);
  }
  const rows = records.map(dictionaryRowOf).filter((row) => row.variable !== '');
  const notes: string[] = [];
  let untranslated = 0;
  /** The Chinese text: from our own export's tag, the text itself when already Chinese, else marked. */
  const chinese = (english: string, tagged: string | undefined) => {
    if (tagged !== undefined) return tagged;
    if (CJK.test(english)) return english;
    untranslated += 1;
    return `${UNTRANSLATED}${english}`;
  };
  const forms = new Map<string, ProtocolForm>();
  const fields = new Map<string, LogicField>();
  const items = new Map<string, { item: ProtocolItem; row: DictionaryRow }>();
  rows.forEach((row, index) => {
    const note = (message: string) => notes.push(`${row.variable}: ${message}`);
    // The first field of a REDCap project is the record's identifier; exotrial numbers participants itself.
    if (index === 0) {
      if (row.variable !== RECORD_ID)
        note('the record identifier (first field) is not an item: exotrial numbers participants itself');
      return;
    }
    const shape = shapeOf(row, note);
    if (!shape) return;
    const own = annotationValue(row.annotation, annotationTags.item)?.split('.');
    const formId = own?.[0] ?? identifier(row.form);
    const itemId = own?.[1] ?? identifier(row.variable);
    let form = forms.get(formId);
    if (!form) {
      const title = annotationValue(row.annotation, annotationTags.formTitle) ?? humanise(row.form);
      form = {
        id: formId,
        title: { en: title, zh: chinese(title, annotationValue(row.annotation, annotationTags.formTitleZh)) },
        repeating: row.annotation.includes(annotationTags.repeating),
        items: [],
      };
      forms.set(formId, form);
    }
    const label = stripHtml(row.label) || row.variable;
    const item: ProtocolItem = {
      id: itemId,
      type: shape.type,
      label: { en: label, zh: chinese(label, annotationValue(row.annotation, annotationTags.labelZh)) },
      required: row.required === 'y',
      checks: [],
      ...(shape.precision === undefined ? {} : { precision: shape.precision }),
      ...(shape.range === undefined ? {} : { range: shape.range }),
    };
    const hint = stripHtml(row.note);
    if (hint)
      item.hint = { en: hint, zh: chinese(hint, annotationValue(row.annotation, annotationTags.hintZh)) };
    const unit = annotationValue(row.annotation, annotationTags.unit);
    if (unit && (item.type === 'integer' || item.type === 'decimal')) item.unit = unit;
    if (item.type === 'choice' || item.type === 'multichoice') {
      const choices = parseChoices(row.choices);
      if (choices.length === 0) {
        note('a choice field without choices; imported as text');
        item.type = 'text';
      } else {
        const tagged = annotationValue(row.annotation, annotationTags.choicesZh);
        let labelsZh: Record<string, string> = {};
        try {
          labelsZh = tagged ? (JSON.parse(tagged) as Record<string, string>) : {};
        } catch {
          note('the Chinese choice labels in the annotation are not readable; marked for translation');
        }
        item.choices = choices.map((choice) => {
          const en = stripHtml(choice.label);
          return { code: choice.code, label: { en, zh: chinese(en, labelsZh[choice.code]) } };
        });
      }
    }
    Object.assign(item, limits(row, item, note));
    item.checks = item.checks.map((check) => ({
      ...check,
      rule: check.rule.replaceAll('__ITEM__', `${formId}.${itemId}`),
    }));
    if (row.sectionHeader)
      note(`section header "${stripHtml(row.sectionHeader)}" has no equivalent; not imported`);
    form.items.push(item);
    fields.set(row.variable, {
      formId,
      itemId,
      type: item.type,
      codes: item.choices?.map((choice) => choice.code),
    });
    items.set(row.variable, { item, row });
  });
  // Branching logic last: it may name fields further down the dictionary.
  for (const [variable, { item, row }] of items) {
    if (!row.branching) continue;
    const translation = redcapLogicToRule(row.branching, fields);
    if (translation.ok) item.showIf = translation.text;
    else
      notes.push(
        `${variable}: branching logic "${row.branching}" not translated: ${translation.reason}; the item is always shown`,
      );
  }
  if (untranslated > 0)
    notes.push(
      `${untranslated} texts came in one language only: their Chinese text is marked ${UNTRANSLATED} until translated`,
    );
  return { forms: [...forms.values()].filter((form) => form.items.length > 0), codeLists: [], notes };
}
