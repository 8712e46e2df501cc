import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The code knows clinical-trial concepts; the protocol file says what one trial does. Ids that only
 * MEXCOVID's file defines (its forms, items, visits, arms, device codes) must not come back into shared
 * code as quoted literals: each is read from the protocol (`doseVitals`, `doseRecord`,
 * `safety.adverseEvents`, the regimens). The allow-list names the files that may hold them, and why.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** MEXCOVID's own ids, once named by shared code and now read from the protocol. */
const MEXCOVID_IDS = [
  // forms
  'vitals',
  'exposure',
  'informedConsent',
  'medicalHistory',
  // items of its vitals form that the dosing screen and the flags read
  'fio2Setting',
  'atRest',
  'oxygenFlow',
  // items of its dose record (EX) form that only it names
  'administered',
  'reasonNotGiven',
  'vialNumber',
  'thawedAt',
  // visits, arms, product and device codes
  'day-28',
  'mscs-exo',
  'MSCs-Exo',
  'vibrating-mesh',
];

/**
 * Items of its dose record form whose names are also common words of the code (the dose record
 * request's fields, a dose's status): quoting them is fine, reading an item by them is not. Each pattern
 * finds one way of reading an item by a quoted id.
 */
const MEXCOVID_DOSE_RECORD_ITEMS = [
  'startedAt',
  'endedAt',
  'volume',
  'device',
  'interrupted',
  'interruptionReason',
];

const itemReads = (id: string) => [
  // fieldValue(record, 'volume'), itemValue(record, "volume")
  new RegExp(`\\(\\s*\\w+\\s*,\\s*(['"\`])${id}\\1\\s*\\)`),
  // item.id === 'device', 'device' === item.id
  new RegExp(`\\.id\\s*===?\\s*(['"\`])${id}\\1`),
  new RegExp(`(['"\`])${id}\\1\\s*===?\\s*\\w+\\.id\\b`),
  // entries.volume / entries['volume'] of a saved record
  new RegExp(`entries(\\??\\.${id}\\b|\\[(['"\`])${id}\\2\\])`),
];

const ALLOWED: Record<string, string> = {
  // The defaults of protocols written before `doseVitals` and `doseRecord` existed: what the code read then.
  'src/protocol/format-1.ts': 'format-1 defaults',
  // Broken copies of the shipped protocol, made on purpose for the validation tests.
  'src/protocol/broken-protocols.ts': 'test material',
};

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)) continue;
    files.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return files;
}

const quoted = (id: string) => new RegExp(`(['"\`])${id.replace(/[-]/g, '\\-')}\\1`);

/** Lines of code (comments left out) of the file that match one of the patterns, named by the id. */
function matches(file: string, id: string, patterns: RegExp[]): string[] {
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => !/^\s*(\/\/|\*|\/\*)/.test(line) && patterns.some((pattern) => pattern.test(line)))
    .map(({ number }) => `${file}:${number} '${id}'`);
}

/** Lines of code (comments left out) of the file that quote the id. */
const hits = (file: string, id: string): string[] => matches(file, id, [quoted(id)]);

/** Lines of code (comments left out) of the file that read an item by the quoted id. */
const reads = (file: string, id: string): string[] => matches(file, id, itemReads(id));

describe('shared code names no id of the MEXCOVID protocol file', () => {
  const files = [...sourceFiles('src'), ...sourceFiles('web/src')];

  it('finds the files it checks, and would see a quoted id', () => {
    expect(files.length).toBeGreaterThan(300);
    expect(files).toContain('src/dosing/administration.service.ts');
    expect(quoted('vitals').test(`.where('form_id', '=', 'vitals')`)).toBe(true);
    expect(quoted('day-28').test('visitKey: "day-28"')).toBe(true);
    expect(quoted('vitals').test("'vitalsCard'")).toBe(false);
    // The allow-listed loader does quote them: the check is not blind to them.
    expect(hits('src/protocol/format-1.ts', 'vitals').length).toBeGreaterThan(0);
  });

  it('quotes them nowhere outside the allow-list', () => {
    const found = files
      .filter((file) => ALLOWED[file] === undefined)
      .flatMap((file) => MEXCOVID_IDS.flatMap((id) => hits(file, id)));
    expect(found).toEqual([]);
  });

  it('would see an item of the dose record read by a quoted id, and not the same word as a field', () => {
    const readsLine = (line: string, id: string) => itemReads(id).some((pattern) => pattern.test(line));
    expect(readsLine(`const volume = fieldValue(record, 'volume');`, 'volume')).toBe(true);
    expect(readsLine('form.items.find((item) => item.id === "device")', 'device')).toBe(true);
    expect(readsLine('entries.startedAt.value', 'startedAt')).toBe(true);
    expect(readsLine(`entries['endedAt']`, 'endedAt')).toBe(true);
    expect(
      readsLine(`problems.push({ field: 'startedAt', message: 'Not a real date and time.' })`, 'startedAt'),
    ).toBe(false);
    expect(readsLine(`status: z.enum(['completed', 'interrupted', 'not-given'])`, 'interrupted')).toBe(false);
  });

  it('reads no item of the dose record form by a quoted id outside the allow-list', () => {
    const found = files
      .filter((file) => ALLOWED[file] === undefined)
      .flatMap((file) => MEXCOVID_DOSE_RECORD_ITEMS.flatMap((id) => reads(file, id)));
    expect(found).toEqual([]);
  });

  it('keeps nebulisation out of the dose record’s messages and labels, which serve every route', () => {
    const words = /nebuli[sz]/i;
    const found = [
      'src/dosing/administration.service.ts',
      'src/dosing/exposure-form.ts',
      'web/src/pages/dosing/dose-form.tsx',
    ]
      .flatMap((file) =>
        readFileSync(join(root, file), 'utf8')
          .split('\n')
          .map((line, index) => ({ line, where: `${file}:${index + 1}` })),
      )
      .filter(({ line }) => !/^\s*(\/\/|\*|\/\*)/.test(line) && words.test(line))
      .map(({ where }) => where);
    expect(found).toEqual([]);
  });
});
