import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { dumpEveryTable } from '../hardening/backup-support.ts';
import { exotrial } from '../support/cli.ts';
import { freshTarget, type TestTarget } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

async function dumpOf(target: TestTarget) {
  const database = await openDatabase(target.target);
  try {
    return await dumpEveryTable(database);
  } finally {
    await database.close();
  }
}

describe.skipIf(inject('postgresUrl') === null)('exotrial backup and restore', () => {
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-backup-cli-'));
  const fromPglite = join(folder, 'from-pglite.gz');
  const fromPostgres = join(folder, 'from-postgres.gz');
  const targets: TestTarget[] = [];
  let source: TestTarget;
  let postgres: TestTarget;
  beforeAll(async () => {
    source = await freshTarget('pglite');
    postgres = await freshTarget('postgres');
    targets.push(source, postgres);
    const demo = exotrial(['demo', '--subjects', '3', '--seed', '4'], { target: source.target });
    expect(demo.code, demo.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const target of targets) await target.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('moves a study from PGlite to PostgreSQL and back, and audit verify passes on each', async () => {
    const backup = exotrial(['backup', '--out', fromPglite], { target: source.target });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(
      /Backed up \d+ rows of \d+ tables \(\d+ audit events\) to .*from-pglite\.gz: .* MB in .* s, SHA-256 [0-9a-f]{64}/,
    );

    const restored = exotrial(['restore', fromPglite], { target: postgres.target });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/Restored \d+ rows of \d+ tables .* into PostgreSQL \(DATABASE_URL\)/);
    expect(restored.stdout).toMatch(/study mexcovid: audit trail intact, \d+ events/);
    const verified = exotrial(['audit', 'verify'], { target: postgres.target });
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('Audit trail intact');

    const sourceDump = await dumpOf(source);
    expect(await dumpOf(postgres)).toEqual(sourceDump);

    const again = exotrial(['backup', '--out', fromPostgres], { target: postgres.target });
    expect(again.code, again.stderr).toBe(0);
    const back = await freshTarget('pglite');
    targets.push(back);
    const restoredBack = exotrial(['restore', fromPostgres], { target: back.target });
    expect(restoredBack.code, restoredBack.stderr).toBe(0);
    expect(exotrial(['audit', 'verify'], { target: back.target }).code).toBe(0);
    expect(await dumpOf(back)).toEqual(sourceDump);
  });

  it('refuses a non-empty database with exit code 1 unless --force', async () => {
    const refused = exotrial(['restore', fromPglite], { target: postgres.target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /The target database is not empty: .*add --force to replace everything it holds/,
    );
    const forced = exotrial(['restore', fromPglite, '--force'], { target: postgres.target });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/replacing \d+ rows it held/);
    expect(await dumpOf(postgres)).toEqual(await dumpOf(source));
  });

  it('refuses a damaged or missing file and an empty source with exit code 1 and a message', async () => {
    const empty = await freshTarget('pglite');
    targets.push(empty);
    const missing = exotrial(['restore', join(folder, 'nowhere.gz')], { target: empty.target });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\.gz does not exist: give the path of a backup/);

    const damaged = join(folder, 'damaged.gz');
    const bytes = readFileSync(fromPglite);
    writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const truncated = exotrial(['restore', damaged], { target: empty.target });
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/truncated|incomplete/);
    expect(truncated.stderr).not.toContain('Internal error');

    const nothing = exotrial(['backup', '--out', join(folder, 'empty.gz')], { target: empty.target });
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('holds no exotrial data');
    const noOut = exotrial(['backup'], { target: empty.target });
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toContain("required option '--out <file>'");
  });
});
