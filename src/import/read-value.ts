import { type FieldInput, isBlankValue, type MissingReason, missingReasons } from '../crf/entries.ts';
import { allowedCodes } from '../crf/form-checks.ts';
import type { Protocol, ProtocolItem } from '../protocol/schema.ts';

// Pure: a cell of a file read as the form reads what is typed into it. The type, range and code-list
// checks are not made here: the form's own checks (form-checks.ts) make them on what this returns.

/** A cell as a source gives it: text (CSV, ODM), or a typed spreadsheet cell (XLSX). */
export type RawValue = string | number | boolean | Date | null;

export type ReadValue =
  | { ok: true; field: FieldInput | null }
  | { ok: false; message: { en: string; zh: string } };

const TRUE = new Set(['true', 'yes', 'y', '1', '是']);
const FALSE = new Set(['false', 'no', 'n', '0', '否']);
const MISSING = new RegExp(`^(${missingReasons.join('|')})\\s*:\\s*(\\S[\\s\\S]*)$`);

/** A missing-data code written as `code: why` (`not_done: patient asleep`), as the ODM export writes it. */
function missingOf(text: string): FieldInput | null {
  const match = MISSING.exec(text.trim());
  if (!match) return null;
  return { missing: match[1] as MissingReason, missingReason: match[2]?.trim() };
}

const pad = (value: number) => String(value).padStart(2, '0');

/** A spreadsheet date as the calendar date and time it shows (stored without a zone, read as UTC). */
function spreadsheetDate(item: ProtocolItem, value: Date): string {
  const date = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
  return item.type === 'datetime'
    ? `${date}T${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}`
    : date;
}

/** A number as typed: a decimal point, an optional unit equal to the item's (`38.2 Cel`). */
function numberOf(item: ProtocolItem, text: string): number | string {
  const unit = item.unit && text.endsWith(item.unit) ? text.slice(0, -item.unit.length).trim() : text;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(unit)) return text;
  return Number(unit);
}

/** A code given as itself or as its answer's words in English or Chinese (case and spacing aside). */
function codeOf(protocol: Protocol, item: ProtocolItem, text: string): string {
  const codes = allowedCodes(protocol, item);
  if (codes.includes(text)) return text;
  const choices = item.choices ?? protocol.codeLists.find((entry) => entry.id === item.codeList)?.items ?? [];
  const wanted = text.trim().toLowerCase();
  const found = choices.find(
    (choice) =>
      choice.code.toLowerCase() === wanted ||
      choice.label.en.trim().toLowerCase() === wanted ||
      choice.label.zh.trim() === text.trim(),
  );
  return found?.code ?? text;
}

function textValue(protocol: Protocol, item: ProtocolItem, text: string): unknown {
  switch (item.type) {
    case 'integer':
    case 'decimal':
      return numberOf(item, text.trim());
    case 'boolean': {
      const word = text.trim().toLowerCase();
      return TRUE.has(word) ? true : FALSE.has(word) ? false : text;
    }
    case 'choice':
      return codeOf(protocol, item, text.trim());
    case 'multichoice':
      return text
        .split(/[,;|]/)
        .map((part) => part.trim())
        .filter((part) => part !== '')
        .map((part) => codeOf(protocol, item, part));
    case 'date':
    case 'datetime':
      // ISO as the form takes it; a space instead of the T and seconds of zero are how spreadsheets write it.
      return text
        .trim()
        .replace(' ', 'T')
        .replace(/T(\d{2}:\d{2}):00$/, 'T$1');
    default:
      return text;
  }
}

/**
 * The field a cell gives its item: null for a blank cell (not given: the record keeps what it holds),
 * a missing-data code for `code: why`, otherwise the value in the item's type where the text reads
 * as one (an unreadable text is passed on as it is, for the form's checks to refuse with their message).
 */
export function readValue(protocol: Protocol, item: ProtocolItem, raw: RawValue): ReadValue {
  if (raw === null || (typeof raw === 'string' && isBlankValue(raw))) return { ok: true, field: null };
  if (typeof raw === 'string') {
    const missing = missingOf(raw);
    if (missing) return { ok: true, field: missing };
    return { ok: true, field: { value: textValue(protocol, item, raw) } };
  }
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime()))
      return { ok: false, message: { en: 'The cell holds no real date.', zh: '该单元格中没有有效日期。' } };
    if (item.type === 'date' || item.type === 'datetime') {
      return { ok: true, field: { value: spreadsheetDate(item, raw) } };
    }
    return {
      ok: false,
      message: {
        en: `The cell holds a date, but ${item.id} is not a date.`,
        zh: `该单元格为日期，但 ${item.id} 不是日期项。`,
      },
    };
  }
  if (item.type === 'text' || item.type === 'choice') {
    return { ok: true, field: { value: textValue(protocol, item, String(raw)) } };
  }
  const asBoolean = item.type === 'boolean' && (raw === 1 || raw === 0) ? raw === 1 : raw;
  return { ok: true, field: { value: asBoolean } };
}
