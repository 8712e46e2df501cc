import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/** The synthetic releases shipped for the demo (99.0, 2099.1); 99.1, an upgrade, is the tests' own. */
const synthetic = new URL('../../dictionaries/synthetic/', import.meta.url).pathname;

describeEachDatabase('exotrial dictionary import', (kind) => {
  let target: TestTarget;
  let folder: string;

  const versions = async () => {
    const database = await openDatabase(target.target);
    try {
      return await database.read((db) =>
        db
          .selectFrom('dictionary_version')
          .select(['dictionary', 'version', 'languages'])
          .orderBy('version')
          .execute(),
      );
    } finally {
      await database.close();
    }
  };

  beforeAll(async () => {
    target = await freshTarget(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-dictionary-cli-'));
    const database = await openDatabase(target.target);
    try {
      await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
    } finally {
      await database.close();
    }
  });
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await target?.dispose();
  });

  it('imports MedDRA in English then Chinese, and WHODrug, each with its own --version', async () => {
    const english = exotrial(
      ['dictionary', 'import', 'meddra', join(synthetic, 'meddra-99.0/en'), '--version', '99.0'],
      {
        target: target.target,
      },
    );
    expect(english.code, english.stderr).toBe(0);
    expect(english.stdout).toBe('Imported MedDRA 99.0 (en): 5 soc, 5 hlgt, 5 hlt, 11 pt, 17 llt\n');
    const chinese = exotrial(
      [
        'dictionary',
        'import',
        'meddra',
        join(synthetic, 'meddra-99.0/zh'),
        '--version',
        '99.0',
        '--language',
        'zh',
      ],
      { target: target.target },
    );
    expect(chinese.code, chinese.stderr).toBe(0);
    const drugs = exotrial(
      ['dictionary', 'import', 'whodrug', join(synthetic, 'whodrug-2099.1'), '--version', '2099.1'],
      {
        target: target.target,
      },
    );
    expect(drugs.code, drugs.stderr).toBe(0);
    expect(await versions()).toEqual([
      { dictionary: 'whodrug', version: '2099.1', languages: ['en'] },
      { dictionary: 'meddra', version: '99.0', languages: ['en', 'zh'] },
    ]);
  });

  it('refuses a bad file naming it and its line, and imports nothing', async () => {
    const broken = join(folder, 'whodrug');
    cpSync(join(synthetic, 'whodrug-2099.1'), broken, { recursive: true });
    writeFileSync(join(broken, 'INA.txt'), 'Z      1SYNTHETIC TEST CLASSES\nZ01    7SYNTHETIC ANTIVIRALS\n');
    const refused = exotrial(['dictionary', 'import', 'whodrug', broken, '--version', '2099.2'], {
      target: target.target,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('INA.txt line 2: ATC level (column 8) "7" is not 1 to 5.');
    const language = exotrial(
      ['dictionary', 'import', 'meddra', broken, '--version', '99.3', '--language', 'fr'],
      {
        target: target.target,
      },
    );
    expect(language.code).toBe(1);
    expect(language.stderr).toContain('--language fr is not one exotrial reads');
    expect((await versions()).map((entry) => entry.version)).toEqual(['2099.1', '99.0']);
  });
});
