// CSV input for numeric analysis (`exotrial stats`), read with csv-parse (RFC 4180: quoted
// fields, doubled quotes, embedded separators and newlines, CRLF or LF, a UTF-8 byte-order mark).
import { createReadStream } from 'node:fs';
import { parse as streamParse } from 'csv-parse';
import { CsvError, parse } from 'csv-parse/sync';

export interface CsvRecord {
  /** 1-based line number in the file where the record starts (the header is line 1). */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Splits CSV text into records, skipping blank lines; throws CsvSyntaxError on a malformed quote. */
export function parseCsv(text: string, separator = ','): CsvRecord[] {
  let parsed: Array<{ record: string[]; info: { lines: number; empty_lines: number } }>;
  try {
    parsed = parse(text, {
      bom: true,
      delimiter: separator,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 1;
      throw new CsvSyntaxError(error.message.replace(/^[A-Za-z ]+: /, ''), line);
    }
    throw error;
  }
  // csv-parse reports the line where a record ends; a record starts after the previous one and
  // the blank lines skipped between them.
  let previousEnd = 0;
  let previousEmpty = 0;
  return parsed.map(({ record, info }) => {
    const line = previousEnd + (info.empty_lines - previousEmpty) + 1;
    previousEnd = info.lines;
    previousEmpty = info.empty_lines;
    return { line, fields: record };
  });
}

/**
 * Streams a CSV file record by record (header first; `record` counts from 1), without holding the
 * text or the table in memory: a million-row file is read in about a second and tens of megabytes.
 * Line numbers are not tracked here (csv-parse's `info` makes reading four times slower); a caller
 * that must name a line finds it with `recordLine`, on the error path only.
 */
export async function streamCsv(
  path: string,
  onRecord: (fields: string[], record: number) => void,
  separator = ',',
): Promise<void> {
  const parser = createReadStream(path).pipe(
    streamParse({ bom: true, delimiter: separator, relax_column_count: true, skip_empty_lines: true }),
  );
  let record = 0;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) onRecord(fields, ++record);
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 1;
      throw new CsvSyntaxError(error.message.replace(/^[A-Za-z ]+: /, ''), line);
    }
    throw error;
  } finally {
    parser.destroy();
  }
}

/** The line on which record `record` (1 = the header) of a CSV text starts, as `parseCsv` counts. */
export function recordLine(text: string, record: number, separator = ','): number {
  return parseCsv(text, separator)[record - 1]?.line ?? record;
}
