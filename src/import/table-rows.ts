import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { Protocol } from '../protocol/schema.ts';
import { type ColumnMapping, type TableLayout, tableLayout } from './column-mapping.ts';
import { type ImportRow, UnreadableSource } from './import-row.ts';
import type { RawValue } from './read-value.ts';

/** One line of a table as its cells, with its line number (CSV) or sheet row (XLSX). */
export interface TableLine {
  line: number;
  cells: RawValue[];
}

const textOf = (value: RawValue | undefined) =>
  value === null || value === undefined
    ? ''
    : value instanceof Date
      ? value.toISOString()
      : String(value).trim();

/** The instance a cell gives: blank is 1; otherwise a whole number (else 0, which no slot allows). */
function instanceOf(value: RawValue | undefined): number {
  const text = textOf(value);
  if (text === '') return 1;
  return /^\d+$/.test(text) ? Number(text) : 0;
}

function rowOf(layout: TableLayout, line: TableLine): ImportRow | null {
  const { cells } = line;
  const participant = textOf(cells[layout.participant]);
  const visit = layout.visit === undefined ? (layout.fixedVisit ?? '') : textOf(cells[layout.visit]);
  if (cells.every((cell) => textOf(cell) === '')) return null;
  const base = { line: line.line, participant, visit, instance: instanceOf(cells[layout.instance ?? -1]) };
  if (layout.kind === 'long') {
    const item = textOf(cells[layout.item ?? -1]);
    const [first, second] = item.split('.');
    const form =
      layout.form === undefined ? (second !== undefined ? first : undefined) : textOf(cells[layout.form]);
    return {
      ...base,
      cells: [
        {
          column: item,
          formId: form || undefined,
          itemId: second ?? item,
          raw: cells[layout.value ?? -1] ?? null,
        },
      ],
    };
  }
  return {
    ...base,
    cells: layout.items.map((column) => ({
      column: column.column,
      formId: column.formId,
      itemId: column.itemId,
      raw: cells[column.index] ?? null,
    })),
  };
}

/** The rows of a table whose first line is its header, read line by line. */
export async function* tableRows(
  lines: AsyncIterable<TableLine>,
  protocol: Protocol,
  mapping?: ColumnMapping,
): AsyncGenerator<ImportRow> {
  let layout: TableLayout | undefined;
  for await (const line of lines) {
    if (!layout) {
      layout = tableLayout(protocol, line.cells.map(textOf), mapping);
      continue;
    }
    const row = rowOf(layout, line);
    if (row) yield row;
  }
  if (!layout) throw new UnreadableSource('The file is empty: it has no header line.');
}

/** The separator of a CSV file from its first line: a comma, a semicolon or a tab. */
function separatorOf(firstLine: string): string {
  const count = (character: string) => firstLine.split(character).length - 1;
  const [best] = [',', ';', '\t'].sort((a, b) => count(b) - count(a));
  return best ?? ',';
}

async function firstLine(path: string): Promise<string> {
  const stream = createReadStream(path, { encoding: 'utf8', end: 64 * 1024 });
  let text = '';
  for await (const chunk of stream) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  stream.destroy();
  return text.split('\n')[0] ?? '';
}

/** A CSV file's lines (UTF-8, with or without BOM), streamed: one line in memory at a time. */
export async function* csvLines(path: string): AsyncGenerator<TableLine> {
  const parser = createReadStream(path).pipe(
    parse({
      bom: true,
      delimiter: separatorOf(await firstLine(path)),
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: record.info.lines, cells: record.record };
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('CSV_')) {
      throw new UnreadableSource(`The file is not readable as CSV: ${error.message}`);
    }
    throw error;
  }
}
