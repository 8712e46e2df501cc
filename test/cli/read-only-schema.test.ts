// Commands that only read (`report`, `audit verify`) leave the database's schema as they find it:
// they neither apply a pending migration nor record one, and refuse a schema that is behind with a
// one-line message; `migrate` then brings it up and the command runs.
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 });

const PENDING = '2099_01_01_00_read_only_probe';

describeEachDatabase('read-only commands and the schema', (kind) => {
  let target: TestTarget;
  const savedUrl = process.env.DATABASE_URL;

  async function migrationNames(): Promise<string[]> {
    const database = await openDatabase(target.target);
    try {
      const rows = await database.read((db) =>
        sql<{ name: string }>`select name from kysely_migration order by name`.execute(db),
      );
      return rows.rows.map((row) => row.name);
    } finally {
      await database.close();
    }
  }

  async function cli(args: string[]): Promise<{ exitCode: number; stderr: string; stdout: string }> {
    let stderr = '';
    let stdout = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    if (target.target.kind === 'postgres') process.env.DATABASE_URL = target.target.url;
    else delete process.env.DATABASE_URL;
    const data = target.target.kind === 'pglite' ? ['--data', target.target.dataDir] : [];
    try {
      const { exitCode } = await runCli(['node', 'exotrial', ...args, ...data]);
      return { exitCode, stderr, stdout };
    } finally {
      err.mockRestore();
      out.mockRestore();
      process.exitCode = 0;
    }
  }

  beforeAll(async () => {
    target = await freshTarget(kind);
    const database = await openDatabase(target.target);
    try {
      await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
    } finally {
      await database.close();
    }
    // This code gains a migration the database has not run: as an upgrade of exotrial finds it.
    migrations[PENDING] = {
      up: (db) => db.schema.createTable('read_only_probe').addColumn('id', 'integer').execute(),
    };
  });

  afterAll(async () => {
    delete migrations[PENDING];
    if (savedUrl === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = savedUrl;
    await target.dispose();
  });

  it('report and audit verify refuse a schema that is behind, and apply nothing', async () => {
    const before = await migrationNames();
    for (const args of [
      ['report', '--format', 'json'],
      ['audit', 'verify'],
    ]) {
      const result = await cli(args);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `The database lacks 1 migration of this version (the first is ${PENDING}); this command only reads and does not upgrade it. Run \`exotrial migrate\` (or start the server, which migrates) first.`,
      ]);
    }
    expect(await migrationNames()).toEqual(before);
  });

  it('after migrate, both run and still apply nothing', async () => {
    expect((await cli(['migrate'])).exitCode).toBe(0);
    const migrated = await migrationNames();
    expect(migrated).toContain(PENDING);
    const report = await cli(['report', '--format', 'json']);
    expect(report.exitCode).toBe(0);
    expect(JSON.parse(report.stdout)).toHaveProperty('protocolVersion');
    const verify = await cli(['audit', 'verify']);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toMatch(/^Audit trail intact/);
    expect(await migrationNames()).toEqual(migrated);
  });
});
