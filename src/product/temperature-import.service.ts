import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { sql } from 'kysely';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { BadRow } from '../db/schema-product.ts';
import { conflict, DomainError, validationFailed } from '../kernel/errors.ts';
import { detectDataGaps, detectExcursions, excursionViews } from './excursion.service.ts';
import type { LoggerReading } from './logger-csv.ts';
import { NotALoggerFileError } from './logger-csv.ts';
import { findUnit, type UnitRow } from './product.queries.ts';
import type { ImportResult } from './product.schema.ts';
import { FirstBadRows, IntervalMedian } from './reading-check.ts';
import { type CheckedBatch, checkedBatches, type StoredLookup } from './temperature-check.ts';

/** Bad rows listed back (the count says how many more there were). */
export const BAD_ROWS_LISTED = 100;
/** Without a setting on the unit, a silence longer than this many median intervals is a data gap. */
const GAP_MEDIANS = 3;

export interface ImportProgress {
  phase: 'checking' | 'writing';
  rowsRead: number;
  rowsImported: number;
  rowsBad: number;
}

export interface ImportOptions {
  fileName: string;
  /** Store the good rows of a file with bad rows (otherwise such a file stores nothing). */
  skipBadRows?: boolean;
  /** The server's clock: readings after it (and a few minutes' tolerance) are bad rows. */
  clock?: Date;
  onProgress?: (progress: ImportProgress) => void;
}

interface Totals {
  rowsRead: number;
  rowsFresh: number;
  rowsDuplicate: number;
  rowsBad: number;
  first: Date | null;
  last: Date | null;
}

const noTotals = (): Totals => ({
  rowsRead: 0,
  rowsFresh: 0,
  rowsDuplicate: 0,
  rowsBad: 0,
  first: null,
  last: null,
});

function addBatch(totals: Totals, batch: CheckedBatch): void {
  totals.rowsRead += batch.rowsRead;
  totals.rowsFresh += batch.fresh.length;
  totals.rowsDuplicate += batch.duplicates;
  totals.rowsBad += batch.bad.length;
  const first = batch.readings[0];
  const last = batch.readings.at(-1);
  if (first && !totals.first) totals.first = first.at;
  if (last) totals.last = last.at;
}

/**
 * Imports a data logger's CSV export into a unit's temperature log, all or nothing, in two passes over
 * the file with memory flat in its size:
 * 1. check: every row is read and checked (its cells; time order; repeats and conflicts in the file and
 *    against the log; readings in the future) while the file is copied to a private temporary file.
 *    Nothing is written. With any bad row, and without `skipBadRows`, the import stops here: nothing
 *    is stored and every bad row is reported by line (the first BAD_ROWS_LISTED, and the count).
 * 2. write: the copy is read again and its good readings are written in one transaction, with the
 *    import record, excursion and data-gap detection and the audit events. A crash or a failure
 *    anywhere leaves the log as it was.
 * One transaction rather than a staging table because it writes each reading once; a validation pass
 * first so the transaction never waits on a slow upload, and a bad file never takes the write lock.
 */
export async function importTemperatures(
  database: Database,
  studyId: string,
  actor: Actor,
  unitId: string,
  input: AsyncIterable<Buffer | string>,
  options: ImportOptions,
): Promise<ImportResult> {
  const unit = await database.read((db) => findUnit(db, studyId, unitId));
  const clock = options.clock ?? new Date();
  const folder = await mkdtemp(join(tmpdir(), 'exotrial-logger-'));
  const copy = join(folder, 'logger.csv');
  try {
    const checked = await checkPass(database, studyId, unit, input, copy, clock, options);
    const { totals, badRows, sha256 } = checked;
    if (totals.rowsFresh + totals.rowsDuplicate === 0) throw notUsable(totals, badRows.list());
    if (totals.rowsBad > 0 && !options.skipBadRows) {
      await database.transaction((trx) =>
        recordAudit(trx, studyId, actor, {
          action: 'temperature.import_refused',
          entityType: 'storage_unit',
          entityId: unit.unit_id,
          newValue: {
            fileName: options.fileName,
            sha256,
            rowsRead: totals.rowsRead,
            rowsBad: totals.rowsBad,
            badLines: badRows.list().map((row) => row.line),
          },
        }),
      );
      throw refused(totals, badRows.list());
    }
    const medianMinutes = checked.median.minutes();
    const gapMinutes =
      unit.max_logging_gap_minutes ?? (medianMinutes === null ? null : GAP_MEDIANS * medianMinutes);
    const importId = randomUUID();
    const excursionIds = await database.transaction((trx) =>
      writePass(trx, studyId, actor, unit, {
        importId,
        copy,
        clock,
        options,
        expected: totals,
        badRows: badRows.list(),
        sha256,
        gapMinutes,
      }),
    );
    return {
      importId,
      rowsRead: totals.rowsRead,
      rowsImported: totals.rowsFresh,
      rowsDuplicate: totals.rowsDuplicate,
      rowsBad: totals.rowsBad,
      badRows: badRows.list(),
      skippedBadRows: totals.rowsBad > 0,
      firstAt: totals.first?.toISOString() ?? null,
      lastAt: totals.last?.toISOString() ?? null,
      gapMinutes,
      excursions: await database.read((db) => excursionViews(db, studyId, { excursionIds })),
    };
  } catch (error) {
    if (error instanceof NotALoggerFileError) {
      throw validationFailed([{ field: 'file', message: error.message }], error.message);
    }
    throw error;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const storedLookup =
  (db: Db, studyId: string, unitId: string): StoredLookup =>
  async (from, to) => {
    const rows = await db
      .selectFrom('temperature_reading')
      .select(['recorded_at', 'celsius'])
      .where('study_id', '=', studyId)
      .where('unit_id', '=', unitId)
      .where('recorded_at', '>=', from)
      .where('recorded_at', '<=', to)
      .execute();
    return new Map(rows.map((row) => [new Date(row.recorded_at).getTime(), row.celsius]));
  };

/** Pass 1: reads and checks the whole file, copying it to `copy` (owner-only) as it goes. */
async function checkPass(
  database: Database,
  studyId: string,
  unit: UnitRow,
  input: AsyncIterable<Buffer | string>,
  copy: string,
  clock: Date,
  options: ImportOptions,
) {
  const digest = createHash('sha256');
  const out = createWriteStream(copy, { mode: 0o600 });
  // Always listened to: a write still in flight when a bad file stops this pass fails after
  // destroy(), and an 'error' event nobody listens to would end the process. A failure while the
  // pass runs is still seen: `once(out, 'drain')` and `finished(out)` reject with it.
  out.on('error', () => undefined);
  const totals = noTotals();
  const badRows = new FirstBadRows(BAD_ROWS_LISTED);
  const median = new IntervalMedian();
  const lookup: StoredLookup = (from, to) =>
    database.read((db) => storedLookup(db, studyId, unit.unit_id)(from, to));
  try {
    for await (const batch of checkedBatches(copied(input, out, digest), clock, lookup)) {
      addBatch(totals, batch);
      badRows.add(batch.bad);
      median.add(batch.readings);
      options.onProgress?.({
        phase: 'checking',
        rowsRead: totals.rowsRead,
        rowsImported: 0,
        rowsBad: totals.rowsBad,
      });
    }
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { totals, badRows, median, sha256: digest.digest('hex') };
}

async function* copied(
  input: AsyncIterable<Buffer | string>,
  out: WriteStream,
  digest: ReturnType<typeof createHash>,
) {
  for await (const chunk of input) {
    digest.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
    yield chunk;
  }
}

interface WritePlan {
  importId: string;
  copy: string;
  clock: Date;
  options: ImportOptions;
  expected: Totals;
  badRows: BadRow[];
  sha256: string;
  gapMinutes: number | null;
}

/** Pass 2, inside one transaction: the good readings, the import record, excursions, gaps, audit. */
async function writePass(trx: Tx, studyId: string, actor: Actor, unit: UnitRow, plan: WritePlan) {
  const totals = noTotals();
  const lookup = storedLookup(trx, studyId, unit.unit_id);
  for await (const batch of checkedBatches(createReadStream(plan.copy), plan.clock, lookup)) {
    addBatch(totals, batch);
    await insertReadings(trx, studyId, unit, plan.importId, batch.fresh);
    plan.options.onProgress?.({
      phase: 'writing',
      rowsRead: totals.rowsRead,
      rowsImported: totals.rowsFresh,
      rowsBad: totals.rowsBad,
    });
  }
  // The log changed between the passes (readings entered meanwhile): what was checked is not what
  // would be written, so nothing is.
  if (totals.rowsBad !== plan.expected.rowsBad || totals.rowsFresh !== plan.expected.rowsFresh) {
    throw changedMeanwhile(unit);
  }
  await trx
    .insertInto('temperature_import')
    .values({
      study_id: studyId,
      import_id: plan.importId,
      unit_id: unit.unit_id,
      file_name: plan.options.fileName,
      status: 'completed',
      rows_read: totals.rowsRead,
      rows_imported: totals.rowsFresh,
      rows_duplicate: totals.rowsDuplicate,
      rows_bad: totals.rowsBad,
      bad_rows: JSON.stringify(plan.badRows),
      first_at: totals.first,
      last_at: totals.last,
      started_at: plan.clock,
      finished_at: new Date(),
      imported_by: actor.label,
    })
    .execute();
  await recordAudit(trx, studyId, actor, {
    action: 'temperature.import',
    entityType: 'storage_unit',
    entityId: unit.unit_id,
    newValue: {
      importId: plan.importId,
      fileName: plan.options.fileName,
      sha256: plan.sha256,
      rowsRead: totals.rowsRead,
      rowsImported: totals.rowsFresh,
      rowsDuplicate: totals.rowsDuplicate,
      rowsBad: totals.rowsBad,
      skippedBadLines: plan.badRows.map((row) => row.line),
      firstAt: totals.first?.toISOString() ?? null,
      lastAt: totals.last?.toISOString() ?? null,
      gapMinutes: plan.gapMinutes,
    },
  });
  if (!totals.first || !totals.last || totals.rowsFresh === 0) return [];
  const excursions = await detectExcursions(trx, studyId, unit, totals.first, totals.last, actor);
  const gaps =
    plan.gapMinutes === null
      ? []
      : await detectDataGaps(trx, studyId, unit, totals.first, totals.last, plan.gapMinutes, actor);
  return [...excursions, ...gaps];
}

async function insertReadings(
  trx: Tx,
  studyId: string,
  unit: UnitRow,
  importId: string,
  readings: LoggerReading[],
): Promise<void> {
  if (readings.length === 0) return;
  // Two array parameters instead of seven per row: the statement stays small and parses once.
  const result = await sql<{ inserted: number }>`
    with inserted as (
      insert into temperature_reading (study_id, unit_id, recorded_at, celsius, source, import_id, entered_by)
      select ${studyId}, ${unit.unit_id}::uuid, to_timestamp(reading.epoch), reading.celsius, 'logger', ${importId}::uuid, null
      from unnest(${readings.map((reading) => reading.at.getTime() / 1000)}::float8[],
                  ${readings.map((reading) => reading.celsius)}::float8[]) as reading(epoch, celsius)
      on conflict (study_id, unit_id, recorded_at) do nothing
      returning 1
    )
    select count(*)::int as inserted from inserted`.execute(trx);
  if (Number(result.rows[0]?.inserted ?? 0) !== readings.length) throw changedMeanwhile(unit);
}

const changedMeanwhile = (unit: UnitRow) =>
  conflict(
    `Readings were added to the log of ${unit.code} while this file was being imported: nothing was imported. Import the file again.`,
  );

const listed = (badRows: BadRow[]) => ({
  fields: badRows.map((row) => ({ field: `line ${row.line}`, message: row.message })),
  badRows,
});

function refused(totals: Totals, badRows: BadRow[]): DomainError {
  const good = totals.rowsFresh + totals.rowsDuplicate;
  const more = totals.rowsBad > badRows.length ? ` The first ${badRows.length} are listed.` : '';
  return new DomainError(
    'validation_failed',
    `${totals.rowsBad} of ${totals.rowsRead} rows are not valid readings: nothing was imported.${more} ` +
      `Correct them and import the file again, or skip the bad rows to store the ${good} good ones.`,
    { ...listed(badRows), rowsRead: totals.rowsRead, rowsBad: totals.rowsBad },
  );
}

function notUsable(totals: Totals, badRows: BadRow[]): DomainError {
  return new DomainError(
    'validation_failed',
    `This is not a usable logger file: none of its ${totals.rowsRead} rows is a reading. Nothing was imported.`,
    { ...listed(badRows), rowsRead: totals.rowsRead, rowsBad: totals.rowsBad },
  );
}
