import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrialInProcessOn } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));

describeEachDatabase('exotrial randomisation kits', (kind) => {
  let target: TestTarget;

  const exotrial = (args: string[]) => exotrialInProcessOn(target.target, args);
  const hashIn = (stdout: string) => /Kit list hash: ([0-9a-f]{64})/.exec(stdout)?.[1];

  beforeAll(async () => {
    target = await freshTarget(kind);
    const config = testConfig(target.target, { EXOTRIAL_PROTOCOL: rctProtocol });
    const database = await openDatabase(target.target);
    await bootstrap(database, config, pino({ level: 'silent' }));
    await database.close();
  });
  afterAll(async () => target?.dispose());

  it('generates the kit list from a seed, reproduces it, lists its kit types and seals the list checked', async () => {
    const badCount = await exotrial(['randomisation', 'kits', 'generate', '--seed', '5', '--count', 'many']);
    expect(badCount.code).toBe(1);
    expect(badCount.stderr).toContain('--count: The number of kits is a whole number, e.g. 300.');

    const first = await exotrial(['randomisation', 'kits', 'generate', '--seed', '5', '--count', '12']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Kit list generated; 12 kits.');
    const hash = hashIn(first.stdout);
    expect(hash).toBeDefined();
    const again = await exotrial(['randomisation', 'kits', 'generate', '--seed', '5', '--count', '12']);
    expect(hashIn(again.stdout)).toBe(hash);

    const listed = await exotrial(['randomisation', 'kits', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout);
    expect(list).toMatchObject({ seed: 5, hashMatches: true, status: 'generated', listHash: hash });
    const types = list.kits.map((kit: { kitType: string }) => kit.kitType);
    expect(types.filter((type: string) => type === 'active-kit')).toHaveLength(8);
    expect(types.filter((type: string) => type === 'placebo-kit')).toHaveLength(4);
    const table = await exotrial(['randomisation', 'kits', 'list']);
    expect(table.stdout).toMatch(/\n1\tK-\d{6}\t(active-kit|placebo-kit)\t\n/);

    const wrong = await exotrial(['randomisation', 'kits', 'seal', '--hash', 'f'.repeat(64)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('The kit list changed since you checked it');
    const sealed = await exotrial(['randomisation', 'kits', 'seal', '--hash', hash ?? '']);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stdout).toContain('Kit list sealed; 12 kits.');

    const regenerate = await exotrial(['randomisation', 'kits', 'generate', '--seed', '6', '--count', '12']);
    expect(regenerate.code).toBe(1);
    const extended = await exotrial(['randomisation', 'kits', 'extend', '--seed', '6', '--count', '6']);
    expect(extended.code, extended.stderr).toBe(0);
    expect(extended.stdout).toContain('Kit list sealed; 18 kits.');
    expect(extended.stdout).toMatch(/Block 1: 6 kits, hash [0-9a-f]{64}, sealed\./);
    const grown = JSON.parse((await exotrial(['randomisation', 'kits', 'list', '--json'])).stdout);
    expect(grown.kits).toHaveLength(18);
    expect(grown.hashMatches).toBe(true);
    expect(new Set(grown.kits.map((kit: { kitNumber: string }) => kit.kitNumber)).size).toBe(18);
  });
});
