// Tests of `exotrial simulate safety` (src/cli/simulate.ts), run in-process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exotrialInProcess } from '../../test/support/cli.ts';

const folder = mkdtempSync(join(tmpdir(), 'exotrial-simulate-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const run = exotrialInProcess;

describe('exotrial simulate safety', () => {
  it('prints every stopping rule of the protocol for each true rate, reproducibly for a seed', async () => {
    const args = [
      'simulate',
      'safety',
      '--true-rate',
      '0.1,0.02',
      '--participants',
      '12',
      '--runs',
      '4000',
      '--json',
    ];
    const first = await run(args);
    expect(first.exitCode, first.stderr).toBe(0);
    const output = JSON.parse(first.stdout);
    expect(output.participants).toBe(12);
    expect(
      output.rules.map((rule: { ruleId: string; trueRate: number }) => `${rule.ruleId} ${rule.trueRate}`),
    ).toEqual([
      'related-grade-4 0.02',
      'related-grade-4 0.1',
      'related-death 0.02',
      'related-death 0.1',
      'related-serious-rate 0.02',
      'related-serious-rate 0.1',
    ]);
    const grade4 = output.rules[1];
    const closed = 1 - 0.9 ** 12;
    expect(Math.abs(grade4.probabilityTripped - closed)).toBeLessThan(
      4 * Math.sqrt((closed * (1 - closed)) / 4000),
    );
    expect(grade4.enrolledAtTrip).toHaveLength(12);
    expect(grade4.enrolledAtTrip.reduce((sum: number, count: number) => sum + count, 0)).toBe(
      Math.round(grade4.probabilityTripped * 4000),
    );
    expect((await run(args)).stdout).toBe(first.stdout);

    const text = await run(['simulate', 'safety', '--true-rate', '0.1', '--runs', '500']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('MEXCOVID: 30 participants, 500 simulated trials per rate, seed 1');
    expect(text.stdout).toMatch(/related-serious-rate \(bayesian-beta, flag\)\n.*\n\s+10\.0%\s+\d+\.\d% ±/);
  });

  it('refuses bad rates, runs and protocol files in one line', async () => {
    const rate = await run(['simulate', 'safety', '--true-rate', '0.1,high']);
    expect(rate.exitCode).toBe(1);
    expect(rate.stderr).toContain('--true-rate takes rates from 0 to 1, comma-separated');
    const runs = await run(['simulate', 'safety', '--runs', '0']);
    expect(runs.exitCode).toBe(1);
    expect(runs.stderr).toContain('--runs must be a whole number from 1 to 10000000, not "0".');
    const broken = join(folder, 'broken.yaml');
    writeFileSync(broken, 'formatVersion: 1\nstudy: {}\n');
    const invalid = await run(['simulate', 'safety', '--protocol', broken]);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toContain(`${broken} is not a valid protocol`);
    expect(invalid.stderr.trim().split('\n')).toHaveLength(1);
  });
});
