import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  headerLayout,
  type LoggerRow,
  NotALoggerFileError,
  parseLoggerTime,
  preambleZone,
  readLoggerCsv,
} from './logger-csv.ts';

async function readAll(text: string, chunkSize = 7): Promise<LoggerRow[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += chunkSize) chunks.push(text.slice(i, i + chunkSize));
  const rows: LoggerRow[] = [];
  for await (const batch of readLoggerCsv(Readable.from(chunks))) rows.push(...batch);
  return rows;
}

describe('logger CSV', () => {
  it('reads a preamble zone, a header and readings, with their line numbers', async () => {
    const rows = await readAll(
      'Serial Number,LT-0042\nTime zone: UTC+08:00\n\nDate Time,Temperature (°C)\n2026-03-01 08:00:00,-79.5\n2026-03-01 08:05,-80\n',
    );
    expect(rows).toEqual([
      { ok: true, reading: { line: 5, at: new Date('2026-03-01T00:00:00Z'), celsius: -79.5 } },
      { ok: true, reading: { line: 6, at: new Date('2026-03-01T00:05:00Z'), celsius: -80 } },
    ]);
  });

  it('reports bad rows by line and keeps reading, never quoting the file', async () => {
    const rows = await readAll(
      'timestamp,temp\n2026-03-01T00:00:00Z,-80\nyesterday,-80\n2026-03-01T00:10:00Z,cold\n2026-02-30T00:00:00Z,-80\n2026-03-01T00:20:00,-80\n2026-03-01T00:30:00+0800,-81\n',
    );
    expect(rows.map((row) => (row.ok ? row.reading.line : `${row.bad.line}: ${row.bad.message}`))).toEqual([
      2,
      '3: The time is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).',
      '4: The temperature is not a number.',
      '5: The time is not a real date and time.',
      '6: The time has no zone; add one to the time, a zone column, or a "Time zone: +08:00" line.',
      7,
    ]);
  });

  it('joins separate date and time columns, converts Fahrenheit, and reads a zone column', async () => {
    const rows = await readAll('Date,Time,Temp °F,Time zone\n2026/03/01,12:00,-112,-05:00\n');
    expect(rows[0]).toEqual({
      ok: true,
      reading: { line: 2, at: new Date('2026-03-01T17:00:00Z'), celsius: -80 },
    });
  });

  it('refuses a file that is not a logger file before yielding anything', async () => {
    await expect(readAll('name,dose\nAda,3\nBob,4\n')).rejects.toBeInstanceOf(NotALoggerFileError);
    await expect(readAll('%PDF-1.7 binary junk \u0000\u0001')).rejects.toBeInstanceOf(NotALoggerFileError);
    const long = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    await expect(readAll(long)).rejects.toThrow('no header with a time column and a temperature column');
  });

  it('recognises common headers', () => {
    expect(headerLayout(['No.', 'Time', 'Temperature(°C)'])).toMatchObject({
      time: 1,
      temperature: 2,
      fahrenheit: false,
    });
    expect(headerLayout(['Recorded at', 'Celsius'])).toMatchObject({ time: 0, temperature: 1 });
    expect(headerLayout(['Date', 'Value'])).toBeNull();
    expect(preambleZone('# tz = +0530')).toBe('+05:30');
    expect(preambleZone('Timezone,UTC')).toBe('Z');
  });

  it('property: any instant written with any whole-quarter-hour offset reads back as the same instant', () => {
    fc.assert(
      fc.property(
        fc.integer({
          min: Date.parse('2000-01-01T00:00:00Z') / 1000,
          max: Date.parse('2090-01-01T00:00:00Z') / 1000,
        }),
        fc.integer({ min: -48, max: 56 }),
        (seconds, quarters) => {
          const offsetMinutes = quarters * 15;
          const local = new Date(seconds * 1000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const parsed = parseLoggerTime(`${local}${zone}`, null);
          expect(parsed).toEqual(new Date(seconds * 1000));
        },
      ),
    );
  });
});
