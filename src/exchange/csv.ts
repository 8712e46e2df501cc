import { stringify } from 'csv-stringify/sync';

/**
 * How text cells are written. `spreadsheet` (the default of every download) neutralises a text cell
 * that a spreadsheet would run as a formula (OWASP's CSV injection advice): one that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width forms, which spreadsheets also
 * read as operators) gets a leading `'`. A text that is a plain decimal number (`-3.5`, `+2e3`) is
 * read as a number, never a formula, and is left as it is; numbers are never changed. `raw` writes
 * every value exactly, for analysis pipelines and REDCap's import, and is recorded in the export's
 * audit event.
 */
export type CsvCells = 'spreadsheet' | 'raw';

const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The text a spreadsheet shows for `value` without running it. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/**
 * RFC 4180 lines (csv-stringify): a field with a comma, quote or line break is quoted, quotes
 * doubled, CRLF between records; text cells neutralised unless `cells` is `raw`.
 */
export function csvLines(rows: readonly (readonly unknown[])[], cells: CsvCells = 'spreadsheet'): string {
  if (rows.length === 0) return '';
  const cast =
    cells === 'raw'
      ? { boolean: (value: boolean) => String(value), date: (value: Date) => value.toISOString() }
      : {
          boolean: (value: boolean) => String(value),
          date: (value: Date) => value.toISOString(),
          string: (value: string) => neutraliseCell(value),
        };
  return stringify(rows as unknown[][], {
    record_delimiter: 'windows',
    // csv-stringify quotes a field holding the record delimiter (CRLF) but not a lone CR or LF.
    quoted_match: /[\r\n]/,
    cast,
  });
}

export const csvLine = (values: readonly unknown[], cells: CsvCells = 'spreadsheet'): string =>
  csvLines([values], cells);
