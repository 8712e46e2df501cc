import type { CellValue } from 'exceljs';
import { UnreadableSource } from './import-row.ts';
import type { RawValue } from './read-value.ts';
import type { TableLine } from './table-rows.ts';

/** A spreadsheet cell as the value it shows: rich text as its text, a formula as its result. */
function rawOf(value: CellValue): RawValue {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('hyperlink' in value) return typeof value.text === 'string' ? value.text : null;
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: unknown }).result;
    if (result === undefined || result === null || typeof result === 'object') {
      return result instanceof Date ? result : null;
    }
    return result as string | number | boolean;
  }
  if ('error' in value) return String(value.error);
  return null;
}

/**
 * The rows of an XLSX workbook's first worksheet, streamed with exceljs's reader (styles are read so
 * that a date cell comes as a date); a row's line is its row number in the sheet.
 */
export async function* xlsxLines(path: string): AsyncGenerator<TableLine> {
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        // exceljs numbers cells from 1: values[0] is always empty.
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        yield { line: row.number, cells: values.map((value) => rawOf(value as CellValue)) };
      }
      return;
    }
  } catch (error) {
    if (error instanceof UnreadableSource) throw error;
    throw new UnreadableSource(`The file is not an XLSX workbook (${(error as Error).message}).`);
  }
}
