import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseTarget } from '../../src/config.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

function exotrial(args: string[], options: { target?: DatabaseTarget; input?: string } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  const databaseArgs: string[] = [];
  if (options.target?.kind === 'postgres') env.DATABASE_URL = options.target.url;
  if (options.target?.kind === 'pglite') databaseArgs.push('--data', options.target.dataDir);
  const result = spawnSync(process.execPath, ['bin/exotrial-dev.js', ...args, ...databaseArgs], {
    env,
    input: options.input ?? '',
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('exotrial CLI without a database', () => {
  it('lists its commands with --help', () => {
    const result = exotrial(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['serve', 'migrate', 'user', 'version']) expect(result.stdout).toContain(command);
  });

  it('prints the version', () => {
    const result = exotrial(['version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 1 on an unknown command or option', () => {
    expect(exotrial(['frobnicate']).code).toBe(1);
    expect(exotrial(['serve', '--no-such-flag']).code).toBe(1);
  });

  it('answers a YAML alias bomb in protocol validate with one line and exit 1, no stack trace', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'exotrial-bomb-')), 'bomb.yaml');
    const levels = 'abcdefghi'.split('');
    const lines = levels.map((name, index) =>
      index === 0
        ? `a: &a [${Array(9).fill('"lol"').join(',')}]`
        : `${name}: &${name} [${Array(9)
            .fill(`*${levels[index - 1]}`)
            .join(',')}]`,
    );
    writeFileSync(file, ['study:', '  id: mexcovid', ...lines].join('\n'));
    const result = exotrial(['protocol', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `${file}:4 (yaml): the YAML's aliases (*name) would expand to more than 1000 copies: write the values out instead of nesting aliases`,
    ]);
  });

  it('exits 1 with a message on a bad port', () => {
    const result = exotrial(['serve', '--port', 'eighty']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--port must be a whole number');
  });
});

describeEachDatabase('exotrial CLI on a database', (kind) => {
  let target: TestTarget;
  let siteId: string;
  beforeAll(async () => {
    target = await freshTarget(kind);
    const database = await openDatabase(target.target);
    try {
      const { studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
      const site = await database.read((db) =>
        db.selectFrom('site').select('site_id').where('study_id', '=', studyId).executeTakeFirstOrThrow(),
      );
      siteId = site.site_id;
    } finally {
      await database.close();
    }
  });
  afterAll(async () => target?.dispose());

  it('migrate reports an up-to-date database', () => {
    const result = exotrial(['migrate'], { target: target.target });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('up to date');
  });

  it('user add creates a user with the password from standard input', () => {
    const result = exotrial(
      [
        'user',
        'add',
        '--email',
        'Coordinator@Example.org',
        '--name',
        'Chen Wei',
        '--role',
        'study_coordinator',
        '--site',
        siteId,
      ],
      { target: target.target, input: 'a good long password\n' },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Created coordinator@example.org (study_coordinator)');
    // The study's first account, like the setup link's, keeps the password its owner typed.
    expect(result.stdout).not.toContain('must change');
  });

  it('user add refuses a duplicate email, a bad role, an unknown site and a short password with exit 1', () => {
    const cases: Array<[string[], string, RegExp]> = [
      [
        ['--email', 'coordinator@example.org', '--role', 'monitor'],
        'another long password',
        /already exists/,
      ],
      [['--email', 'x@example.org', '--role', 'wizard'], 'another long password', /roles\.0/],
      [
        ['--email', 'y@example.org', '--role', 'monitor', '--site', 'nowhere'],
        'another long password',
        /Unknown site: nowhere/,
      ],
      [['--email', 'z@example.org', '--role', 'monitor'], 'short', /at least 12/],
    ];
    for (const [args, password, message] of cases) {
      const result = exotrial(['user', 'add', '--name', 'N', ...args], {
        target: target.target,
        input: password,
      });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(message);
    }
  });
});

describeEachDatabase('exotrial protocol amend', (kind) => {
  it('loads an amended file as the next version, with a reason', async () => {
    const target = await freshTarget(kind);
    try {
      const database = await openDatabase(target.target);
      await bootstrap(database, testConfig(target.target), pino({ level: 'silent' })).finally(() =>
        database.close(),
      );
      const file = join(mkdtempSync(join(tmpdir(), 'amend-')), 'amended.yaml');
      writeFileSync(
        file,
        readFileSync('protocols/mexcovid.yaml', 'utf8').replace(/^version: .*$/m, 'version: "1.1"'),
      );
      expect(exotrial(['protocol', 'amend', file], { target: target.target }).code).toBe(1);
      const result = exotrial(['protocol', 'amend', file, '--reason', 'amendment 1'], {
        target: target.target,
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('Protocol version 2 (1.1) is now current');
      const again = exotrial(['protocol', 'amend', file, '--reason', 'again'], { target: target.target });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('nothing to amend');
    } finally {
      await target.dispose();
    }
  }, 180_000);
});

describe('exotrial CLI on an empty database', () => {
  it('user add explains that the study must be loaded first', async () => {
    const target = await freshTarget('pglite');
    try {
      const result = exotrial(['user', 'add', '--email', 'a@b.org', '--name', 'A', '--role', 'monitor'], {
        target: target.target,
        input: 'a good long password',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('holds no study');
    } finally {
      await target.dispose();
    }
  });
});
