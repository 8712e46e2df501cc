// Tests of `exotrial stats km` (src/cli/stats.ts), run in-process on a commander program.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import { exotrialInProcess } from '../../test/support/cli.ts';
import { parseCsv } from './csv.ts';

const folder = mkdtempSync(join(tmpdir(), 'exotrial-stats-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function csvFile(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

const run = exotrialInProcess;

afterEach(() => {
  process.exitCode = 0;
});

interface KmOutput {
  confType: string;
  groups: {
    group: string | null;
    times: number[];
    nRisk: number[];
    survival: number[];
    lower: (number | null)[];
    upper: (number | null)[];
    median: { median: number | null; lower: number | null; upper: number | null };
  }[];
}

interface RAml {
  name: string;
  time: number[];
  event: number[];
  group: string[];
  fits: {
    confType: string;
    confLevel: number;
    groups: { group: string; surv: number[]; lower: (number | null)[]; median: { median: number | null } }[];
  }[];
}

describe('exotrial stats km', () => {
  const aml = readFixture<{ cases: RAml[] }>('kaplan-meier.json').cases.find((entry) => entry.name === 'aml');
  if (!aml) throw new Error('aml fixture missing');
  const lines = aml.time.map((time, index) => `${time},${aml.event[index]},"${aml.group[index]}"`);
  const amlCsv = csvFile('aml.csv', `weeks,status,arm\r\n${lines.join('\r\n')}\r\n`);

  it('prints per-group curves that match R survfit for the aml data', async () => {
    const { stdout, exitCode } = await run([
      'stats',
      'km',
      '--csv',
      amlCsv,
      '--time',
      'weeks',
      '--event',
      'status',
      '--group',
      'arm',
      '--conf-type',
      'log-log',
    ]);
    expect(exitCode).toBe(0);
    const output = JSON.parse(stdout) as KmOutput;
    const expected = aml.fits.find((fit) => fit.confType === 'log-log' && fit.confLevel === 0.95);
    expect(output.groups.map((group) => group.group)).toEqual(['Maintained', 'Nonmaintained']);
    const comparison = new Comparison(1e-13);
    output.groups.forEach((group, index) => {
      const reference = expected?.groups[index];
      comparison.checkAll(`${group.group} surv`, group.survival, reference?.surv ?? []);
      comparison.checkAll(`${group.group} lower`, group.lower, reference?.lower ?? []);
      comparison.check(`${group.group} median`, group.median.median, reference?.median.median ?? null);
    });
    expect(comparison.failures).toEqual([]);
  });

  it('fits one curve without --group', async () => {
    const { stdout } = await run(['stats', 'km', '--csv', amlCsv, '--time', 'weeks', '--event', 'status']);
    const output = JSON.parse(stdout) as KmOutput;
    expect(output.groups).toHaveLength(1);
    expect(output.groups[0]?.group).toBeNull();
    expect(output.groups[0]?.nRisk[0]).toBe(23);
  });

  it('reports a missing file', async () => {
    const result = await run([
      'stats',
      'km',
      '--csv',
      join(folder, 'nope.csv'),
      '--time',
      't',
      '--event',
      'e',
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^\S*nope\.csv does not exist: give the path of a CSV file with a header row\.\n$/,
    );
    expect(result.stdout).toBe('');
  });

  it('reports a missing column and lists the columns there are', async () => {
    const result = await run(['stats', 'km', '--csv', amlCsv, '--time', 'days', '--event', 'status']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('time column "days" is not in');
    expect(result.stderr).toContain('its columns are: weeks, status, arm');
  });

  it('reports a non-numeric time and a bad event code with the CSV line number', async () => {
    const badTime = csvFile('bad-time.csv', 't,e\n1,1\n"multi\nline",0\nabc,1\n');
    const timeResult = await run(['stats', 'km', '--csv', badTime, '--time', 't', '--event', 'e']);
    expect(timeResult.exitCode).toBe(1);
    expect(timeResult.stderr).toContain('line 3: time column "t" must be a non-negative number, got "multi');
    const badEvent = csvFile('bad-event.csv', 't,e\n1,1\n2,yes\n');
    const eventResult = await run(['stats', 'km', '--csv', badEvent, '--time', 't', '--event', 'e']);
    expect(eventResult.stderr).toContain(
      'line 3: event column "e" must be 1 (event) or 0 (censored), got "yes"',
    );
  });

  it('reports a malformed quote, a header with no rows and a bad value after blank lines by line', async () => {
    const open = csvFile('open-quote.csv', 't,e\n1,1\n"2,1\n');
    const openResult = await run(['stats', 'km', '--csv', open, '--time', 't', '--event', 'e']);
    expect(openResult.exitCode).toBe(1);
    expect(openResult.stderr).toMatch(/open-quote\.csv: line 3: .*opening quote/);
    expect(openResult.stdout).toBe('');
    const headerOnly = csvFile('header-only.csv', 't,e\n');
    const headerResult = await run(['stats', 'km', '--csv', headerOnly, '--time', 't', '--event', 'e']);
    expect(headerResult.stderr).toContain('has a header but no data rows');
    const gaps = csvFile('gaps.csv', 't,e\n1,1\n\n\n2,1\n-3,0\n');
    const gapResult = await run(['stats', 'km', '--csv', gaps, '--time', 't', '--event', 'e']);
    expect(gapResult.stderr).toContain('line 6: time column "t" must be a non-negative number, got "-3"');
  });

  it('fits each group from one streamed pass, in label order', async () => {
    const grouped = csvFile('grouped.csv', 't,e,g\n5,1,b\n3,0,a\n4,1,b\n2,1,a\n');
    const result = await run([
      'stats',
      'km',
      '--csv',
      grouped,
      '--time',
      't',
      '--event',
      'e',
      '--group',
      'g',
    ]);
    expect(result.exitCode).toBe(0);
    const output = JSON.parse(result.stdout) as KmOutput;
    expect(output.groups.map((group) => [group.group, group.times, group.nRisk, group.survival])).toEqual([
      ['a', [2, 3], [2, 1], [0.5, 0.5]],
      ['b', [4, 5], [2, 1], [0.5, 0]],
    ]);
  });

  it('rejects a confidence level outside (0, 1) and an empty file', async () => {
    const level = await run([
      'stats',
      'km',
      '--csv',
      amlCsv,
      '--time',
      'weeks',
      '--event',
      'status',
      '--conf-level',
      '95',
    ]);
    expect(level.exitCode).toBe(1);
    expect(level.stderr).toContain('--conf-level must be a number strictly between 0 and 1');
    const empty = await run([
      'stats',
      'km',
      '--csv',
      csvFile('empty.csv', ''),
      '--time',
      't',
      '--event',
      'e',
    ]);
    expect(empty.stderr).toContain('is empty');
  });
});

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, embedded separators and newlines, CRLF and a BOM', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, ""y""","1\n2"\r\n\r\nlast,')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, "y"', '1\n2'] },
      { line: 5, fields: ['last', ''] },
    ]);
  });

  it('rejects an unclosed quote and text after a closing quote', () => {
    expect(() => parseCsv('a\n"open')).toThrow(/^line 2: .*opening quote/);
    expect(() => parseCsv('"a"b,c')).toThrow(/^line 1: got "b" .*instead of delimiter/);
  });
});
