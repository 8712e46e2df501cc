import { stringify } from 'csv-stringify/sync';

/**
 * RFC 4180 lines (csv-stringify): a field with a comma, quote or line break is quoted, quotes
 * doubled, CRLF between records. Values are data, written as they are (no formula escaping):
 * these files are read by statistical software and by REDCap, which must get the value back.
 */
export function csvLines(rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return '';
  return stringify(rows as unknown[][], {
    record_delimiter: 'windows',
    // csv-stringify quotes a field holding the record delimiter (CRLF) but not a lone CR or LF.
    quoted_match: /[\r\n]/,
    cast: { boolean: (value) => String(value), date: (value) => value.toISOString() },
  });
}

export const csvLine = (values: readonly unknown[]): string => csvLines([values]);
