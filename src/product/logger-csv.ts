import type { BadRow } from '../db/schema-product.ts';

// Streaming reader of data-logger CSV exports: a few preamble lines (serial number, time zone…), a
// header naming a time and a temperature column, then one reading per line. Constant memory.
// A bad row's message says which cell is wrong and why, never quoting the file: the list of bad rows
// goes back to the person importing, into the audit trail and to the terminal, and a logger file may
// hold anything.

export class NotALoggerFileError extends Error {
  override name = 'NotALoggerFileError';
}

export interface LoggerReading {
  line: number;
  at: Date;
  celsius: number;
}

export type LoggerRow = { ok: true; reading: LoggerReading } | { ok: false; bad: BadRow };

interface Layout {
  time: number;
  /** A separate date column, when the logger splits date and time. */
  date: number | null;
  temperature: number;
  fahrenheit: boolean;
  zone: number | null;
}

const PREAMBLE_LIMIT = 50;
const normalise = (cell: string) =>
  cell
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase();

/** The columns of a header row, or null when the row is not a logger header. */
export function headerLayout(cells: readonly string[]): Layout | null {
  const names = cells.map(normalise);
  const find = (test: (name: string) => boolean) => {
    const index = names.findIndex(test);
    return index < 0 ? null : index;
  };
  const temperature = find((name) => /temp|celsius|fahrenheit|°c|°f|\(c\)|\(f\)/.test(name));
  const combined = find((name) => /timestamp|date ?time|date\/time|recorded|^datetime/.test(name));
  const date = find((name) => name === 'date');
  const time = combined ?? find((name) => name === 'time');
  if (temperature === null || time === null) return null;
  return {
    time,
    date: combined === null ? date : null,
    temperature,
    fahrenheit: /fahrenheit|°f|\(f\)/.test(names[temperature] ?? ''),
    zone: find((name) => /^(time ?zone|tz|utc offset|zone|offset)$/.test(name)),
  };
}

/** A zone named in a preamble line ("Time zone: UTC+08:00", "# tz = +0800", "Timezone,Z"). */
export function preambleZone(line: string): string | null {
  const match =
    /(?:time ?zone|utc offset|\btz\b)\s*[:=,]\s*(?:utc|gmt)?\s*(z|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i.exec(line);
  if (!match) return null;
  return normaliseOffset(match[1] ?? 'Z');
}

function normaliseOffset(raw: string): string | null {
  const text = raw.trim().toUpperCase();
  if (text === 'Z' || text === 'UTC' || text === 'GMT' || text === '') return 'Z';
  const match = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 14 || minutes > 59) return null;
  return `${match[1]}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

const TIME =
  /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?$/i;

/** A logger time with its zone (in the cell, the zone column, or the file's preamble) as an instant. */
export function parseLoggerTime(text: string, fallbackZone: string | null): Date | string {
  const match = TIME.exec(text.trim());
  if (!match) return 'The time is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).';
  const [, y, mo, d, h, mi, s, fraction, zoneText] = match;
  const zone = zoneText ? normaliseOffset(zoneText) : fallbackZone;
  if (!zone)
    return 'The time has no zone; add one to the time, a zone column, or a "Time zone: +08:00" line.';
  const offsetMinutes =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s ?? 0),
    Number((fraction ?? '0').padEnd(3, '0').slice(0, 3)),
  );
  const check = new Date(ms);
  if (
    check.getUTCDate() !== Number(d) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s ?? 0) > 59
  ) {
    return 'The time is not a real date and time.';
  }
  return new Date(ms - offsetMinutes * 60_000);
}

function readRow(cells: readonly string[], line: number, layout: Layout, fileZone: string | null): LoggerRow {
  const bad = (message: string): LoggerRow => ({ ok: false, bad: { line, message } });
  const timeCell = cells[layout.time] ?? '';
  const text = layout.date === null ? timeCell : `${cells[layout.date] ?? ''} ${timeCell}`;
  const zoneCell = layout.zone === null ? '' : (cells[layout.zone] ?? '').trim();
  const zone = zoneCell ? normaliseOffset(zoneCell) : fileZone;
  if (zoneCell && !zone) return bad('The zone column is not a zone (use Z or ±HH:MM).');
  const at = parseLoggerTime(text, zone);
  if (typeof at === 'string') return bad(at);
  const raw = (cells[layout.temperature] ?? '').trim();
  const value = raw === '' ? Number.NaN : Number(raw);
  if (raw === '') return bad('The temperature is empty.');
  if (!Number.isFinite(value)) return bad('The temperature is not a number.');
  const celsius = layout.fahrenheit ? ((value - 32) * 5) / 9 : value;
  if (celsius < -273.15 || celsius > 200) {
    return bad('The temperature is not possible (below absolute zero or above 200 °C).');
  }
  return { ok: true, reading: { line, at, celsius } };
}

const MAX_LINE = 64 * 1024;

/** One CSV line into fields (RFC 4180 quotes, "" for a quote inside a quoted field). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

const quotesOpen = (text: string) => (text.match(/"/g)?.length ?? 0) % 2 === 1;

type CsvRecord = { record: string[]; line: number };

/**
 * CSV records with the line each starts on, from a byte or text stream, a batch per chunk read. A quoted
 * field may span lines. Written here rather than with a general CSV parser because logger files are
 * plain and large: this reads several hundred thousand rows a second, where a general parser's
 * stream managed 35,000 on the same machine.
 */
export async function* csvRecords(input: AsyncIterable<Buffer | string>): AsyncGenerator<CsvRecord[]> {
  const decoder = new TextDecoder('utf-8');
  const state: { carry: string; lineNo: number; pending: (CsvRecord & { text: string }) | null } = {
    carry: '',
    lineNo: 0,
    pending: null,
  };
  const take = (raw: string, out: CsvRecord[]) => {
    state.lineNo += 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const pending = state.pending;
    if (pending) {
      pending.text += `\n${text}`;
      if (quotesOpen(pending.text)) return;
      out.push({ record: splitCsvLine(pending.text), line: pending.line });
      state.pending = null;
      return;
    }
    if (text.trim() === '') return;
    if (quotesOpen(text)) {
      state.pending = { text, line: state.lineNo, record: [] };
      return;
    }
    out.push({ record: splitCsvLine(text), line: state.lineNo });
  };
  for await (const chunk of input) {
    let carry = state.carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (state.lineNo === 0 && carry.startsWith('\uFEFF')) carry = carry.slice(1);
    const out: CsvRecord[] = [];
    let start = 0;
    for (let end = carry.indexOf('\n'); end >= 0; end = carry.indexOf('\n', start)) {
      take(carry.slice(start, end), out);
      start = end + 1;
    }
    state.carry = carry.slice(start);
    if (out.length > 0) yield out;
    if (state.carry.length > MAX_LINE || (state.pending?.text.length ?? 0) > MAX_LINE) {
      throw new NotALoggerFileError(
        `Line ${state.lineNo + 1} is longer than ${MAX_LINE} characters: this is not a logger file.`,
      );
    }
  }
  const out: CsvRecord[] = [];
  const rest = state.carry + decoder.decode();
  if (rest !== '') take(rest, out);
  if (state.pending) out.push({ record: splitCsvLine(state.pending.text), line: state.pending.line });
  if (out.length > 0) yield out;
}

/**
 * Reads a logger file, yielding its data rows in batches, each a reading or a bad row with its line
 * number. Throws NotALoggerFileError, before yielding anything, when no header is found in the first lines.
 */
export async function* readLoggerCsv(input: AsyncIterable<Buffer | string>): AsyncGenerator<LoggerRow[]> {
  let layout: Layout | null = null;
  let fileZone: string | null = null;
  let preamble = 0;
  outer: for await (const records of csvRecords(input)) {
    const rows: LoggerRow[] = [];
    for (const { record, line } of records) {
      if (layout) {
        rows.push(readRow(record, line, layout, fileZone));
        continue;
      }
      layout = headerLayout(record);
      if (layout) continue;
      fileZone = preambleZone(record.join(',')) ?? fileZone;
      preamble += 1;
      if (preamble >= PREAMBLE_LIMIT) break outer;
    }
    if (rows.length > 0) yield rows;
  }
  if (!layout) {
    throw new NotALoggerFileError(
      'This is not a data-logger file: no header with a time column and a temperature column was found in its first lines.',
    );
  }
}
