import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/connection.ts';
import type { BadRow } from '../db/schema-product.ts';
import { validationFailed } from '../server/errors.ts';
import { detectExcursions, excursionViews } from './excursion.service.ts';
import { type LoggerReading, NotALoggerFileError, readLoggerCsv } from './logger-csv.ts';
import { findUnit } from './product.queries.ts';
import type { ImportResult } from './product.schema.ts';

/** Readings written per transaction: large enough to be fast, small enough to keep memory flat. */
const BATCH = 20_000;
const BAD_ROWS_KEPT = 200;

export interface ImportProgress {
  rowsRead: number;
  rowsImported: number;
  rowsBad: number;
}

/**
 * Imports a data logger's CSV export into a unit's temperature log, streaming: the file is read, checked
 * and written in batches, so a million readings use as little memory as a thousand. Bad rows are
 * reported by line and skipped; a file that is not a logger file (no header, or not one usable reading
 * in its first batch) imports nothing. Readings already present (same unit and time) are counted as
 * duplicates, so importing a file twice is harmless. Excursions are then detected over the span.
 */
export async function importTemperatures(
  database: Database,
  studyId: string,
  actor: Actor,
  unitId: string,
  input: AsyncIterable<Buffer | string>,
  options: { fileName: string; onProgress?: (progress: ImportProgress) => void },
): Promise<ImportResult> {
  const unit = await database.read((db) => findUnit(db, studyId, unitId));
  const importId = randomUUID();
  const digest = createHash('sha256');
  const counted = (async function* () {
    for await (const chunk of input) {
      digest.update(chunk);
      yield chunk;
    }
  })();
  const stats = { rowsRead: 0, rowsImported: 0, rowsDuplicate: 0, rowsBad: 0 };
  const badRows: BadRow[] = [];
  let first: Date | null = null;
  let last: Date | null = null;
  let started = false;
  let batch: LoggerReading[] = [];
  let flushes = 0;

  const start = () =>
    database.transaction(async (trx) => {
      await trx
        .insertInto('temperature_import')
        .values({
          study_id: studyId,
          import_id: importId,
          unit_id: unit.unit_id,
          file_name: options.fileName,
          status: 'running',
          rows_read: 0,
          rows_imported: 0,
          rows_duplicate: 0,
          rows_bad: 0,
          bad_rows: '[]',
          first_at: null,
          last_at: null,
          started_at: new Date(),
          finished_at: null,
          imported_by: actor.label,
        })
        .execute();
      await recordAudit(trx, studyId, actor, {
        action: 'temperature.import_start',
        entityType: 'storage_unit',
        entityId: unit.unit_id,
        newValue: { importId, fileName: options.fileName },
      });
    });

  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await database.transaction(async (trx) => {
      // Two array parameters instead of seven per row: the statement stays small and parses once.
      const result = await sql<{ inserted: number }>`
        with inserted as (
          insert into temperature_reading (study_id, unit_id, recorded_at, celsius, source, import_id, entered_by)
          select ${studyId}, ${unit.unit_id}::uuid, to_timestamp(reading.epoch), reading.celsius, 'logger', ${importId}::uuid, null
          from unnest(${rows.map((reading) => reading.at.getTime() / 1000)}::float8[],
                      ${rows.map((reading) => reading.celsius)}::float8[]) as reading(epoch, celsius)
          on conflict (study_id, unit_id, recorded_at) do nothing
          returning 1
        )
        select count(*)::int as inserted from inserted`.execute(trx);
      const inserted = Number(result.rows[0]?.inserted ?? 0);
      stats.rowsImported += inserted;
      stats.rowsDuplicate += rows.length - inserted;
    });
    options.onProgress?.({ ...stats });
  };

  try {
    for await (const rows of readLoggerCsv(counted)) {
      for (const row of rows) {
        stats.rowsRead += 1;
        if (!row.ok) {
          stats.rowsBad += 1;
          if (badRows.length < BAD_ROWS_KEPT) badRows.push(row.bad);
        } else {
          batch.push(row.reading);
          if (!first || row.reading.at < first) first = row.reading.at;
          if (!last || row.reading.at > last) last = row.reading.at;
        }
      }
      if (stats.rowsRead >= BATCH * (flushes + 1)) {
        if (!started) {
          if (batch.length === 0) throw notALoggerFile(badRows);
          await start();
          started = true;
        }
        await flush();
        flushes += 1;
      }
    }
    if (!started) {
      if (batch.length === 0) throw notALoggerFile(badRows);
      await start();
      started = true;
    }
    await flush();
  } catch (error) {
    if (started) await finish('failed');
    if (error instanceof NotALoggerFileError) {
      throw validationFailed([{ field: 'file', message: error.message }], error.message);
    }
    throw error;
  }
  const excursionIds = await finish('completed');
  return {
    importId,
    ...stats,
    badRows,
    firstAt: first?.toISOString() ?? null,
    lastAt: last?.toISOString() ?? null,
    excursions: await database.read((db) => excursionViews(db, studyId, { excursionIds })),
  };

  async function finish(status: 'completed' | 'failed'): Promise<string[]> {
    return database.transaction(async (trx) => {
      await trx
        .updateTable('temperature_import')
        .set({
          status,
          rows_read: stats.rowsRead,
          rows_imported: stats.rowsImported,
          rows_duplicate: stats.rowsDuplicate,
          rows_bad: stats.rowsBad,
          bad_rows: JSON.stringify(badRows),
          first_at: first,
          last_at: last,
          finished_at: new Date(),
        })
        .where('study_id', '=', studyId)
        .where('import_id', '=', importId)
        .execute();
      await recordAudit(trx, studyId, actor, {
        action: status === 'completed' ? 'temperature.import' : 'temperature.import_failed',
        entityType: 'storage_unit',
        entityId: unit.unit_id,
        newValue: {
          importId,
          fileName: options.fileName,
          sha256: status === 'completed' ? digest.digest('hex') : null,
          ...stats,
          firstAt: first?.toISOString() ?? null,
          lastAt: last?.toISOString() ?? null,
        },
      });
      if (status === 'failed' || !first || !last || stats.rowsImported === 0) return [];
      return detectExcursions(trx, studyId, unit, first, last, actor);
    });
  }
}

function notALoggerFile(badRows: BadRow[]): NotALoggerFileError {
  const sample = badRows
    .slice(0, 3)
    .map((row) => `line ${row.line}: ${row.message}`)
    .join('; ');
  return new NotALoggerFileError(
    `This is not a usable logger file: none of its first ${BATCH} rows is a reading (${sample || 'no rows'}). Nothing was imported.`,
  );
}
