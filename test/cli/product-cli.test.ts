import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import type { Caller } from '../../src/kernel/caller.ts';
import { registerLot } from '../../src/product/lot.service.ts';
import { createStorageUnit } from '../../src/product/storage.service.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// Each case spawns the real CLI (Node + tsx compiling the sources): allow for a loaded machine.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const MINUTE = 60_000;

/** A logger export in Shanghai time (zone in the preamble), one reading a minute from `start`. */
function loggerFile(start: number, temperatures: number[], extra: string[] = []): string {
  const lines = temperatures.map((celsius, i) => {
    const local = new Date(start + i * MINUTE + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    return `${local},${celsius}`;
  });
  return ['Serial,LT-77', 'Time zone: UTC+08:00', 'Date Time,Temperature (°C)', ...lines, ...extra, ''].join(
    '\n',
  );
}

describeEachDatabase('exotrial product import-temperatures', (kind) => {
  let target: TestTarget;
  let folder: string;
  let unitId: string;
  const start = Math.floor((Date.now() - 12 * 3_600_000) / MINUTE) * MINUTE;

  /** Opens the test database for a look between CLI runs (PGlite allows one process at a time). */
  async function look<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase(target.target);
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }
  const counts = () =>
    look(async (database) =>
      database.read(async (db) => ({
        readings: Number(
          (
            await db
              .selectFrom('temperature_reading')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('unit_id', '=', unitId)
              .executeTakeFirstOrThrow()
          ).n,
        ),
        imports: await db
          .selectFrom('temperature_import')
          .select(['file_name', 'status', 'rows_imported', 'rows_bad'])
          .orderBy('started_at')
          .execute(),
      })),
    );
  const write = (name: string, text: string) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  };
  const run = (args: string[]) =>
    exotrial(['product', 'import-temperatures', ...args], { target: target.target });

  beforeAll(async () => {
    target = await freshTarget(kind);
    folder = mkdtempSync(join(tmpdir(), 'exotrial-product-cli-'));
    await look(async (database) => {
      const { studyId } = await bootstrap(database, testConfig(target.target), pino({ level: 'silent' }));
      const siteId = await database.read(async (db) => {
        const site = await db.selectFrom('site').select('site_id').executeTakeFirstOrThrow();
        return site.site_id;
      });
      const user = await database.transaction((trx) =>
        createUser(trx, studyId, systemActor('test'), {
          email: 'pharmacist@example.org',
          name: 'Pia Pharmacist',
          roles: ['pharmacist'],
          siteIds: [siteId],
          password: 'pharmacy password long',
        }),
      );
      const caller: Caller = { user, actor: { type: 'user', userId: user.userId, label: user.email } };
      const unit = await createStorageUnit(database, studyId, caller, {
        code: 'RJ-F1',
        name: 'Pharmacy freezer',
        kind: 'freezer',
        siteId,
        nominalCelsius: -80,
        lowCelsius: -90,
        highCelsius: -60,
        excursionToleranceMinutes: 30,
      });
      unitId = unit.unitId;
      await registerLot(database, studyId, caller, {
        lotNumber: 'EXO-C1',
        manufacturer: 'Cellular Biomedicine Lab',
        manufacturedOn: new Date(start - 10 * 86_400_000).toISOString().slice(0, 10),
        concentrationPerMl: 2.0e8 / 3,
        volumeMl: 3,
        vialCount: 2,
        unitId,
        receivedAt: new Date(start - MINUTE).toISOString(),
      });
    });
  });
  afterAll(async () => {
    await target?.dispose();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('imports a good file by unit code, reports the excursion, and writes no progress bar off a terminal', async () => {
    const temperatures = [...Array(60).fill(-80), ...Array(45).fill(-40), ...Array(15).fill(-81)];
    const result = run(['RJ-F1', write('good.csv', loggerFile(start, temperatures))]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('Imported 120 of 120 rows into the log (0 already present, 0 bad).');
    expect(lines[1]).toBe(
      `Readings from ${new Date(start).toISOString()} to ${new Date(start + 119 * MINUTE).toISOString()}.`,
    );
    expect(lines[2]).toMatch(/^Excursion .* \(45 min, -40…-40 °C\): 2 vials quarantined\.$/);
    const after = await counts();
    expect(after.readings).toBe(120);
    expect(after.imports).toEqual([
      { file_name: 'good.csv', status: 'completed', rows_imported: 120, rows_bad: 0 },
    ]);
  });

  it('stores nothing from a logger file with bad rows, listing each by line, and exits 1', async () => {
    const later = start + 120 * MINUTE;
    const file = loggerFile(
      later,
      [-80, -80, -80],
      [
        '2026-13-01 00:00,-80',
        'soon,cold',
        `${new Date(later + 3 * MINUTE + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')},`,
      ],
    );
    const path = write('partly-bad.csv', file);
    const before = await counts();
    const result = run(['RJ-F1', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toContain('3 of 6 rows are not valid readings: nothing was imported.');
    expect(lines.slice(1)).toEqual([
      '  line 7: The time is not a real date and time.',
      '  line 8: The time is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).',
      '  line 9: The temperature is empty.',
    ]);
    expect(result.stderr).not.toContain('soon');
    expect(await counts()).toEqual(before);
  });

  it('with --skip-bad-rows stores the good rows, lists the bad ones by line, and exits 1', async () => {
    const later = start + 120 * MINUTE;
    const file = loggerFile(later, [-80, -80, -80], ['2026-13-01 00:00,-80', 'soon,cold']);
    const result = run(['RJ-F1', write('partly-bad.csv', file), '--skip-bad-rows']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Imported 3 of 5 rows into the log (0 already present, 2 bad).');
    expect(result.stdout).toContain('  line 7: The time is not a real date and time.');
    expect(result.stdout).toContain(
      '  line 8: The time is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).',
    );
    expect(result.stdout).toContain('The bad rows were skipped. Correct them and import the file again');
    const after = await counts();
    expect(after.readings).toBe(123);
    expect(after.imports.at(-1)).toEqual({
      file_name: 'partly-bad.csv',
      status: 'completed',
      rows_imported: 3,
      rows_bad: 2,
    });
    const corrected = run(['RJ-F1', write('corrected.csv', loggerFile(later, [-80, -80, -80, -80]))]);
    expect(corrected.code).toBe(0);
    expect(corrected.stdout).toContain('Imported 1 of 4 rows into the log (3 already present, 0 bad).');
  });

  it('imports nothing from a file that is not a logger file, and exits 1 saying why', async () => {
    const before = await counts();
    const notLogger = run(['RJ-F1', write('participants.csv', 'name,dose\nAda,3\nBo,3\n')]);
    expect(notLogger.code).toBe(1);
    expect(notLogger.stderr).toContain('This is not a data-logger file');
    expect(notLogger.stdout).toBe('');
    const noReadings = run([
      unitId,
      write('junk.csv', `Date Time,Temperature\n${'not a time,warm\n'.repeat(30)}`),
    ]);
    expect(noReadings.code).toBe(1);
    expect(noReadings.stderr).toContain('Nothing was imported');
    expect(noReadings.stderr).toContain('line 2: The time is not a date and time');
    expect(await counts()).toEqual(before);
  });

  it('exits 1 with a message for an unknown unit or an unreadable file, importing nothing', async () => {
    const before = await counts();
    const good = write('again.csv', loggerFile(start + 200 * MINUTE, [-80]));
    const unknown = run(['NO-SUCH-UNIT', good]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('There is no storage unit NO-SUCH-UNIT.');
    const missing = run(['RJ-F1', join(folder, 'missing.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    const noArguments = run([]);
    expect(noArguments.code).toBe(1);
    expect(noArguments.stderr).toContain("missing required argument 'unit'");
    expect(await counts()).toEqual(before);
  });
});
