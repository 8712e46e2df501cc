import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { verifyStudyChain } from '../../src/audit/audit.query.ts';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { writeBackup } from '../../src/backup/backup.service.ts';
import { BackupFileError, RestoreRefusedError } from '../../src/backup/backup-format.ts';
import { readAppliedMigrations } from '../../src/backup/catalog.ts';
import { restoreBackup } from '../../src/backup/restore.service.ts';
import { type Database, type DatabaseKind, openDatabase } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { generateSyntheticTrial } from '../../src/synth/trial.ts';
import { createLot, createPharmacists, createUnit } from '../api/product-fixtures.ts';
import { buildDemoTrial } from '../exchange/demo-trial.ts';
import {
  createTestApp,
  describeEachDatabase,
  freshTarget,
  type TestApp,
  type TestTarget,
} from '../support/test-app.ts';
import { createTrialUsers } from '../support/trial-users.ts';
import { backupLines, dumpEveryTable, rewriteBackup, rowLinesOf } from './backup-support.ts';

vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const hasPostgres = inject('postgresUrl') !== null;
const folder = mkdtempSync(join(tmpdir(), 'exotrial-backup-'));
let source: TestApp;
let sourceDump: Map<string, string[]>;
/** The study's backup, written once from the PGlite source. */
let studyFile: string;

/** Opens a fresh database of the kind, runs `work`, closes and removes it. */
async function withFresh<T>(
  kind: DatabaseKind,
  work: (database: Database, target: TestTarget) => Promise<T>,
) {
  const target = await freshTarget(kind);
  const database = await openDatabase(target.target);
  try {
    return await work(database, target);
  } finally {
    await database.close();
    await target.dispose();
  }
}

/** Rows in all tables, to prove a refused restore wrote nothing. */
async function totalRows(database: Database): Promise<number> {
  const dump = await dumpEveryTable(database);
  return [...dump.values()].reduce((sum, rows) => sum + rows.length, 0);
}

beforeAll(async () => {
  // A study as sites build it, through the services: screening, consent, forms with revisions,
  // queries raised, answered and closed, signatures, product lots released and vials dispensed,
  // doses, an adverse event, a screen failure, and the audit trail of all of it.
  source = await createTestApp('pglite');
  const users = await createTrialUsers(source);
  const staff = await createPharmacists(source, users);
  const unit = await createUnit(source, staff.pharmacist, 'RJ-F1', users.siteId);
  await createLot(source, staff.pharmacist, { lotNumber: 'EXO-2026-001', unitId: unit, vialCount: 4 });
  await buildDemoTrial(source, users);
  await generateSyntheticTrial(source.database, source.studyId, {
    subjects: 6,
    sites: 2,
    seed: 7,
    force: true,
  });
  sourceDump = await dumpEveryTable(source.database);
  studyFile = join(folder, 'study.exotrial-backup.gz');
  await writeBackup(source.database, studyFile);
});

afterAll(async () => {
  await source?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('backup of a study', () => {
  it('holds every table of the schema, found in the catalog, with the data the services wrote', () => {
    const [headerLine] = backupLines(studyFile);
    const header = JSON.parse(headerLine ?? '{}') as { tables: Array<{ name: string; rows: number }> };
    expect(header.tables.map((table) => table.name).sort()).toEqual([...sourceDump.keys()].sort());
    for (const table of header.tables)
      expect(table.rows, table.name).toBe(sourceDump.get(table.name)?.length);
    for (const name of [
      'participant',
      'consent',
      'form_record',
      'data_query',
      'signature',
      'product_lot',
      'vial',
      'dispensing',
      'dosing_administration',
      'adverse_event',
      'audit_event',
    ]) {
      expect(sourceDump.get(name)?.length, `${name} holds rows`).toBeGreaterThan(0);
    }
    // Foreign-key order: every table comes after the tables it references.
    const position = new Map(header.tables.map((table, index) => [table.name, index]));
    expect(position.get('participant')).toBeGreaterThan(position.get('site') ?? Infinity);
    expect(position.get('dosing_administration')).toBeGreaterThan(position.get('dispensing') ?? Infinity);
    expect(position.get('adverse_event')).toBeGreaterThan(position.get('dosing_administration') ?? Infinity);
  });

  it('fails with the write error, leaving no file, when the file cannot be written', async () => {
    const nowhere = join(folder, 'no-such-folder', 'study.gz');
    await expect(writeBackup(source.database, nowhere)).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(folder, 'no-such-folder'))).toBe(false);
    // The database is free again: another backup runs.
    await expect(writeBackup(source.database, join(folder, 'after-failure.gz'))).resolves.toMatchObject({
      rows: [...sourceDump.values()].reduce((sum, rows) => sum + rows.length, 0),
    });
  });

  it.skipIf(!hasPostgres)(
    'round-trips exactly PGlite → PostgreSQL → PGlite: same rows, same audit chain, same file rows',
    async () => {
      const secondFile = join(folder, 'from-postgres.gz');
      await withFresh('postgres', async (postgres) => {
        const summary = await restoreBackup(postgres, studyFile);
        expect(summary.rows).toBe([...sourceDump.values()].reduce((sum, rows) => sum + rows.length, 0));
        expect(await dumpEveryTable(postgres)).toEqual(sourceDump);
        const chain = await verifyStudyChain(postgres, source.studyId);
        expect(chain.intact).toBe(true);
        expect(chain.events).toBe(sourceDump.get('audit_event')?.length);
        expect(summary.studies).toEqual([{ studyId: source.studyId, audit: chain }]);
        await writeBackup(postgres, secondFile);
      });
      // The rows written from PostgreSQL are byte for byte those written from PGlite.
      expect(backupLines(secondFile).slice(1, -1)).toEqual(backupLines(studyFile).slice(1, -1));
      await withFresh('pglite', async (pglite) => {
        await restoreBackup(pglite, secondFile);
        expect(await dumpEveryTable(pglite)).toEqual(sourceDump);
        expect((await verifyStudyChain(pglite, source.studyId)).intact).toBe(true);
      });
    },
  );

  it('round-trips exactly PGlite → PGlite, and the restored study keeps working', async () => {
    await withFresh('pglite', async (pglite) => {
      await restoreBackup(pglite, studyFile);
      expect(await dumpEveryTable(pglite)).toEqual(sourceDump);
      const restored = await verifyStudyChain(pglite, source.studyId);
      expect(restored.intact).toBe(true);
      // A change after the restore extends the same chain.
      await pglite.transaction((trx) =>
        createUser(trx, source.studyId, systemActor('test'), {
          email: 'after.restore@example.org',
          name: 'After Restore',
          roles: ['monitor'],
          siteIds: [],
          password: 'a password after the restore',
        }),
      );
      const extended = await verifyStudyChain(pglite, source.studyId);
      expect(extended.intact).toBe(true);
      expect(extended.lastSeq).toBeGreaterThan(restored.lastSeq);
    });
  });
});

/** A table that the migrations do not create, holding the awkward values of many types. */
const PROBE_TABLE = sql`
  create table backup_type_probe (
    study_id text not null,
    id integer generated always as identity primary key,
    label text, stamp timestamptz, day date, amount numeric, ratio double precision,
    document jsonb, raw bytea, words text[], numbers integer[], span interval, ident uuid, flag boolean,
    doubled integer generated always as (id * 2) stored
  )`;

const PROBE_ROWS = sql`
  insert into backup_type_probe (study_id, label, stamp, day, amount, ratio, document, raw, words, numbers, span, ident, flag)
  values
    ('s', '', '2026-03-01 08:15:30.123456+08', '2026-02-28', 12345678901234567890.123456789012345, 0.1,
     '{"zh": "外泌体", "emoji": "🧪", "nested": [1, 2.50, null, {"quote": "\\"q\\""}]}', '\\x00ff10', '{a,"b c",NULL,"NULL",""}', '{1,NULL,-3}',
     '1 day 02:03:04.5', '7f0c4a3e-9b9d-4c2b-8f43-2a1d8e5b6c70', true),
    ('s', null, 'infinity', null, 'NaN', '-0', 'null', '\\x', '{}', null, null, null, false),
    ('s', E'tab\\there\\nnew line \\\\ back\\\\slash مرحبا 😀', '1999-12-31 23:59:59.999999+00', '0001-01-01', -0.000000000000000000001, 1e308,
     '[]', null, null, '{}', '-1 mons', null, null)`;

describe('types survive exactly', () => {
  const pairs: Array<[DatabaseKind, DatabaseKind]> = [
    ['pglite', 'postgres'],
    ['postgres', 'pglite'],
  ];
  for (const [from, to] of pairs) {
    it.skipIf(!hasPostgres)(
      `${from} → ${to}: text, timestamps, numeric, jsonb, bytea, arrays, NULL`,
      async () => {
        const file = join(folder, `probe-${from}.gz`);
        let expected = new Map<string, string[]>();
        await withFresh(from, async (database) => {
          await migrateToLatest(database.kysely);
          await database.transaction(async (trx) => {
            await PROBE_TABLE.execute(trx);
            await PROBE_ROWS.execute(trx);
          });
          expected = await dumpEveryTable(database);
          await writeBackup(database, file);
        });
        expect(expected.get('backup_type_probe')).toHaveLength(3);
        await withFresh(to, async (database) => {
          // The target lacks the table: the schemas differ, and the restore says which table.
          await expect(restoreBackup(database, file)).rejects.toThrow(
            /backup_type_probe is missing from the target/,
          );
          await database.transaction((trx) => PROBE_TABLE.execute(trx));
          await restoreBackup(database, file);
          expect(await dumpEveryTable(database)).toEqual(expected);
          // The identity sequence was restored: the next row continues after the restored ones.
          const next = await database.transaction((trx) =>
            sql<{ id: number }>`insert into backup_type_probe (study_id) values ('s') returning id`.execute(
              trx,
            ),
          );
          expect(next.rows[0]?.id).toBe(4);
        });
      },
    );
  }
});

describeEachDatabase('restore refuses', (kind) => {
  /** Restores `file` into a fresh database expecting a refusal; proves nothing was written. */
  async function refused(
    file: string,
    error: typeof BackupFileError | typeof RestoreRefusedError,
    message: RegExp,
  ) {
    await withFresh(kind, async (database) => {
      const attempt = restoreBackup(database, file);
      await expect(attempt).rejects.toThrow(error);
      await expect(attempt).rejects.toThrow(message);
      expect(await totalRows(database)).toBe(0);
    });
  }

  it('a non-empty target without --force, and replaces it exactly with force', async () => {
    await withFresh(kind, async (database) => {
      await restoreBackup(database, studyFile);
      await database.transaction((trx) =>
        sql`update participant set status_reason = 'changed after the backup'`.execute(trx),
      );
      const changed = await dumpEveryTable(database);
      const attempt = restoreBackup(database, studyFile);
      await expect(attempt).rejects.toThrow(RestoreRefusedError);
      await expect(attempt).rejects.toThrow(/not empty: .*add --force to replace/);
      expect(await dumpEveryTable(database)).toEqual(changed);
      const forced = await restoreBackup(database, studyFile, { force: true });
      expect(forced.replacedRows).toBeGreaterThan(0);
      expect(await dumpEveryTable(database)).toEqual(sourceDump);
      expect((await verifyStudyChain(database, source.studyId)).intact).toBe(true);
    });
  });

  it('a corrupted file (a byte changed in the compressed stream)', async () => {
    const bytes = readFileSync(studyFile);
    const index = Math.floor(bytes.length / 2);
    bytes[index] = (bytes[index] ?? 0) ^ 0xff;
    const file = join(folder, `corrupted-${kind}.gz`);
    writeFileSync(file, bytes);
    await refused(file, BackupFileError, /cannot be read as an exotrial backup|damaged/);
  });

  it('a truncated file, cut in the compressed stream or at a line', async () => {
    const bytes = readFileSync(studyFile);
    const cut = join(folder, `cut-${kind}.gz`);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    await refused(cut, BackupFileError, /truncated|incomplete/);
    const short = join(folder, `short-${kind}.gz`);
    rewriteBackup(studyFile, short, (lines) => lines.slice(0, -1), false);
    // Re-sealing as written takes the old trailer back: the last row is missing, the counts say so.
    await refused(short, BackupFileError, /damaged|incomplete/);
    const noTrailer = join(folder, `no-trailer-${kind}.gz`);
    writeFileSync(noTrailer, gzipLines(backupLines(studyFile).slice(0, -1)));
    await refused(noTrailer, BackupFileError, /ends without its end marker/);
  });

  it('an edited row whose checksum no longer matches', async () => {
    const file = join(folder, `edited-${kind}.gz`);
    rewriteBackup(
      studyFile,
      file,
      (lines) => {
        const [row] = rowLinesOf(lines, 'participant');
        const values = JSON.parse(lines[row ?? -1] ?? '[]') as Array<string | null>;
        values[1] = `${values[1]}0`;
        if (row !== undefined) lines[row] = JSON.stringify(values);
        return lines;
      },
      false,
    );
    await refused(file, BackupFileError, /checksum does not match/);
  });

  it('a file from a newer backup format, or a newer exotrial schema', async () => {
    const newer = join(folder, `newer-format-${kind}.gz`);
    rewriteBackup(studyFile, newer, ([header, ...rest]) => [
      JSON.stringify({ ...JSON.parse(header ?? '{}'), formatVersion: 2 }),
      ...rest,
    ]);
    await refused(newer, BackupFileError, /newer exotrial \(backup format 2; this version reads format 1\)/);
    const future = join(folder, `future-migration-${kind}.gz`);
    rewriteBackup(studyFile, future, ([header, ...rest]) => {
      const parsed = JSON.parse(header ?? '{}') as { migrations: string[] };
      return [
        JSON.stringify({ ...parsed, migrations: [...parsed.migrations, '2099_01_01_01_future'] }),
        ...rest,
      ];
    });
    await refused(
      future,
      RestoreRefusedError,
      /2099_01_01_01_future, which this version of exotrial does not know/,
    );
  });

  it('a target whose migrations are ahead of the backup', async () => {
    const older = join(folder, `older-${kind}.gz`);
    rewriteBackup(studyFile, older, ([header, ...rest]) => {
      const parsed = JSON.parse(header ?? '{}') as { migrations: string[] };
      return [JSON.stringify({ ...parsed, migrations: parsed.migrations.slice(0, -1) }), ...rest];
    });
    await withFresh(kind, async (database) => {
      await migrateToLatest(database.kysely);
      const before = await database.read(readAppliedMigrations);
      await expect(restoreBackup(database, older)).rejects.toThrow(/the schemas differ/);
      expect(await database.read(readAppliedMigrations)).toEqual(before);
      expect(await totalRows(database)).toBe(0);
    });
  });

  it('a backup whose audit trail does not verify, all or nothing (unless allowed)', async () => {
    const file = join(folder, `broken-chain-${kind}.gz`);
    rewriteBackup(studyFile, file, (lines) => {
      const rows = rowLinesOf(lines, 'audit_event');
      const index = rows[Math.floor(rows.length / 2)] ?? -1;
      const values = JSON.parse(lines[index] ?? '[]') as Array<string | null>;
      values[values.length - 4] = 'a reason written afterwards';
      lines[index] = JSON.stringify(values);
      return lines;
    });
    await withFresh(kind, async (database) => {
      const attempt = restoreBackup(database, file);
      await expect(attempt).rejects.toThrow(
        /audit trail of study .* is broken at seq \d+: .*Nothing was restored/,
      );
      expect(await totalRows(database)).toBe(0);
      const allowed = await restoreBackup(database, file, { allowBrokenAudit: true });
      expect(allowed.studies[0]?.audit.intact).toBe(false);
      expect((await verifyStudyChain(database, source.studyId)).firstBreak?.problem).toBe('hash_mismatch');
    });
  });
});

function gzipLines(lines: string[]): Buffer {
  return gzipSync(lines.map((line) => `${line}\n`).join(''));
}
