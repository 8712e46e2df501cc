// Tests of `exotrial stats logrank` and `exotrial stats cox` (src/cli/stats.ts), run in-process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import { exotrialInProcess } from '../../test/support/cli.ts';

const folder = mkdtempSync(join(tmpdir(), 'exotrial-stats-compare-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
});

const run = exotrialInProcess;

interface RCase {
  name: string;
  time: number[];
  event: number[];
  group: string[];
  strata: string[] | null;
  reference: string;
  logrank: { observed: number[]; expected: number[]; chisq: number; df: number; pValue: number };
  cox: { levels: string[]; coef: number[]; se: number[]; lower: number[]; upper: number[]; loglik: number[] };
}

const fixture = readFixture<{ cases: RCase[] }>('cox-logrank.json');
const byName = (name: string) => fixture.cases.find((entry) => entry.name === name) as RCase;

/** The case as a CSV file, with quoted labels and columns in another order than the options name them. */
function csvOf(c: RCase): string {
  const lines = c.time.map(
    (time, i) => `"${c.group[i]}",${c.event[i]},${time}${c.strata ? `,"${c.strata[i]}"` : ''}`,
  );
  const path = join(folder, `${c.name.replace(/\W+/g, '-')}.csv`);
  writeFileSync(path, [`arm,status,days${c.strata ? ',stratum' : ''}`, ...lines, ''].join('\n'));
  return path;
}

const columns = ['--time', 'days', '--event', 'status', '--group', 'arm'];

describe('exotrial stats logrank and cox', () => {
  it('print the log-rank test of a stratified three-arm file as R survdiff gives it', async () => {
    const c = byName('heavy ties by site, strata arm');
    const result = await run(['stats', 'logrank', '--csv', csvOf(c), ...columns, '--strata', 'stratum']);
    expect(result.exitCode, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    const comparison = new Comparison(1e-12);
    comparison.checkAll(
      'observed',
      output.groups.map((g: { observed: number }) => g.observed),
      c.logrank.observed,
    );
    comparison.checkAll(
      'expected',
      output.groups.map((g: { expected: number }) => g.expected),
      c.logrank.expected,
    );
    comparison.check('chisq', output.chisq, c.logrank.chisq);
    comparison.check('p', output.pValue, c.logrank.pValue);
    expect(comparison.failures).toEqual([]);
    expect(output.df).toBe(2);
    expect(output.stratified).toBe(true);
  });

  it('print the Cox model against a chosen reference as R coxph gives it', async () => {
    const c = byName('lung by sex, reference 2');
    const result = await run(['stats', 'cox', '--csv', csvOf(c), ...columns, '--reference', '2']);
    expect(result.exitCode, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.reference).toBe('2');
    expect(output.coefficients.map((row: { group: string }) => row.group)).toEqual(['1']);
    const comparison = new Comparison(1e-6);
    const rows = output.coefficients as Array<{ coef: number; se: number; lower: number; upper: number }>;
    comparison.checkAll(
      'coef',
      rows.map((row) => row.coef),
      c.cox.coef,
    );
    comparison.checkAll(
      'se',
      rows.map((row) => row.se),
      c.cox.se,
    );
    comparison.checkAll(
      'lower',
      rows.map((row) => row.lower),
      c.cox.lower,
    );
    comparison.checkAll(
      'upper',
      rows.map((row) => row.upper),
      c.cox.upper,
    );
    comparison.checkAll('loglik', output.loglik, c.cox.loglik);
    expect(comparison.failures).toEqual([]);
  });

  it('the default reference is the first group in sorted order, as in R', async () => {
    const c = byName('lung by sex');
    const result = await run(['stats', 'cox', '--csv', csvOf(c), ...columns]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).reference).toBe('1');
  });

  it('refuses one group, an unknown reference, a missing column and a bad event, each in one line', async () => {
    const one = join(folder, 'one.csv');
    writeFileSync(one, 'arm,status,days\nA,1,3\nA,0,5\n');
    const single = await run(['stats', 'logrank', '--csv', one, ...columns]);
    expect(single.exitCode).toBe(1);
    expect(single.stderr).toContain(
      'group column "arm" has only one group (A): a comparison needs two or more',
    );

    const c = byName('aml by x');
    const reference = await run(['stats', 'cox', '--csv', csvOf(c), ...columns, '--reference', 'Placebo']);
    expect(reference.exitCode).toBe(1);
    expect(reference.stderr).toContain(
      'The reference group "Placebo" is not among the groups: Maintained, Nonmaintained.',
    );

    const missing = await run([
      'stats',
      'cox',
      '--csv',
      csvOf(c),
      '--time',
      'days',
      '--event',
      'status',
      '--group',
      'treatment',
    ]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('group column "treatment" is not in');

    const bad = join(folder, 'bad.csv');
    writeFileSync(bad, 'arm,status,days\nA,1,3\nB,yes,5\n');
    const event = await run(['stats', 'logrank', '--csv', bad, ...columns]);
    expect(event.exitCode).toBe(1);
    expect(event.stderr).toContain(
      'line 3: event column "status" must be 1 (event) or 0 (censored), got "yes"',
    );
  });
});
