import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrialInProcessOn } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));

describeEachDatabase('exotrial randomisation', (kind) => {
  let target: TestTarget;

  const exotrial = (args: string[]) => exotrialInProcessOn(target.target, args);

  const hashIn = (stdout: string) => /List hash: ([0-9a-f]{64})/.exec(stdout)?.[1];

  beforeAll(async () => {
    target = await freshTarget(kind);
    const config = testConfig(target.target, { EXOTRIAL_PROTOCOL: rctProtocol });
    const database = await openDatabase(target.target);
    await bootstrap(database, config, pino({ level: 'silent' }));
    await database.close();
  });
  afterAll(async () => target?.dispose());

  it('generates from a seed, reproduces the list from it, lists it and seals the list checked', async () => {
    const none = await exotrial(['randomisation', 'list']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('There is no randomisation list yet');
    const badSeed = await exotrial(['randomisation', 'generate', '--seed', 'twelve']);
    expect(badSeed.code).toBe(1);
    expect(badSeed.stderr).toContain('--seed must be a whole number from 0 to 2147483647, not "twelve"');

    const first = await exotrial(['randomisation', 'generate', '--seed', '77']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Method: permuted-blocks; list generated;');
    // Three sites × two severities.
    expect(first.stdout).toContain('in 6 strata; 0 allocated.');
    const hash = hashIn(first.stdout);
    expect(hash).toBeDefined();
    const again = await exotrial(['randomisation', 'generate', '--seed', '77']);
    expect(hashIn(again.stdout)).toBe(hash);

    const listed = await exotrial(['randomisation', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout);
    expect(list).toMatchObject({ seed: 77, hashMatches: true, status: 'generated', listHash: hash });
    expect(new Set(list.entries.map((entry: { arm: string }) => entry.arm))).toEqual(
      new Set(['mscs-exo', 'placebo']),
    );
    const table = await exotrial(['randomisation', 'list']);
    expect(table.stdout).toContain('Seed: 77; the entries match the list hash.');
    expect(table.stdout).toMatch(
      /R01-0001\tsite=ruijin\|severity=severe\t1\t1\t[36]\t(mscs-exo|placebo)\t\n/,
    );

    const wrong = await exotrial(['randomisation', 'seal', '--hash', 'f'.repeat(64)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('The list changed since you checked it');
    const sealed = await exotrial(['randomisation', 'seal', '--hash', hash ?? '']);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stdout).toMatch(/list sealed;[\s\S]*Sealed by cli randomisation seal/);
    const after = await exotrial(['randomisation', 'generate', '--seed', '78']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('a sealed list cannot be regenerated');
  });
});
