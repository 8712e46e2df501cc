import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import type { Database } from '../db/connection.ts';
import { OWNER_ONLY_FILE } from '../exchange/stream-file.ts';
import { exotrialVersion } from '../version.ts';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  type BackupProgress,
  type BackupTable,
  type RowValues,
} from './backup-format.ts';
import {
  applyTextSettings,
  quoteIdentifier,
  rawQuery,
  readAppliedMigrations,
  readSequences,
  readTables,
  type TableDefinition,
} from './catalog.ts';

export interface BackupSummary {
  file: string;
  tables: number;
  rows: number;
  bytes: number;
  sha256: string;
  auditEvents: number;
}

export interface BackupOptions {
  onProgress?: (progress: BackupProgress) => void;
  /** Rows fetched from the cursor at a time: memory stays flat whatever the size of a table. */
  batchRows?: number;
}

const CURSOR = 'exotrial_backup_rows';

/** Lines into a gzip stream, hashed as written, waiting for the disk when it falls behind. */
class LineWriter {
  private readonly hash = createHash('sha256');
  /** Settles when the file is complete, or rejects with the reason it cannot be written. */
  private readonly closed: Promise<never>;

  constructor(
    private readonly gzip: Gzip,
    written: Promise<void>,
  ) {
    this.closed = written.then(() => {
      throw new Error('the backup file was closed before the backup was complete');
    });
    this.closed.catch(() => undefined);
  }

  async write(line: string, hashed = true): Promise<void> {
    // A file that cannot be written (no folder, disk full) ends the backup with that error
    // instead of leaving it waiting for a drain that never comes.
    if (this.gzip.destroyed) await this.closed;
    const text = `${line}\n`;
    if (hashed) this.hash.update(text, 'utf8');
    if (!this.gzip.write(text)) await Promise.race([once(this.gzip, 'drain'), this.closed]);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

const selectAllAsText = (table: TableDefinition) => {
  const columns = table.columns.map((column, index) => `${quoteIdentifier(column.name)}::text as c${index}`);
  const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns.map((c) => c.name))
    .map(quoteIdentifier)
    .join(', ');
  return `select ${columns.join(', ')} from ${quoteIdentifier(table.name)} order by ${order}`;
};

/**
 * Writes the whole database (every study) to `file` from one consistent snapshot: a read-only
 * REPEATABLE READ transaction, so servers can keep writing while it runs and the file still holds
 * a state that existed at one instant (the audit chain included). The file appears under its name
 * only once complete; a failed backup leaves nothing that looks like one.
 */
export async function writeBackup(
  database: Database,
  file: string,
  options: BackupOptions = {},
): Promise<BackupSummary> {
  const batchRows = options.batchRows ?? 1000;
  const partial = `${file}.partial-${process.pid}`;
  const gzip = createGzip({ level: 6 });
  // The whole trial, identifiers included: readable by its owner only.
  const written = pipeline(gzip, createWriteStream(partial, { mode: OWNER_ONLY_FILE }));
  // Observed at once so that a write error while the snapshot is still being read is not unhandled.
  written.catch(() => undefined);
  const writer = new LineWriter(gzip, written);
  try {
    const summary = await database.read((db) =>
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          await applyTextSettings(trx);
          const tables = await readTables(trx);
          const counted: BackupTable[] = [];
          for (const table of tables) {
            const [count] = await rawQuery<{ rows: string }>(
              trx,
              `select count(*)::text as rows from ${quoteIdentifier(table.name)}`,
            );
            counted.push({ ...table, rows: Number(count?.rows ?? 0) });
          }
          const sequences = [];
          for (const { name } of await readSequences(trx)) {
            const [value] = await rawQuery<{ last_value: string; is_called: boolean }>(
              trx,
              `select last_value::text as last_value, is_called from ${quoteIdentifier(name)}`,
            );
            if (value) sequences.push({ name, lastValue: value.last_value, isCalled: value.is_called });
          }
          const [server] = await rawQuery<{ version: string }>(trx, 'select version() as version');
          const header: BackupHeader = {
            format: BACKUP_FORMAT,
            formatVersion: BACKUP_FORMAT_VERSION,
            exotrialVersion,
            createdAt: new Date().toISOString(),
            source: { kind: database.kind, server: server?.version ?? 'unknown' },
            migrations: await readAppliedMigrations(trx),
            tables: counted,
            sequences,
          };
          await writer.write(JSON.stringify(header));
          const totalRows = counted.reduce((sum, table) => sum + table.rows, 0);
          let done = 0;
          for (const table of counted) {
            await writer.write(JSON.stringify({ table: table.name }));
            await rawQuery(trx, `declare ${CURSOR} no scroll cursor for ${selectAllAsText(table)}`);
            let rowsOfTable = 0;
            for (;;) {
              const rows = await rawQuery<Record<string, string | null>>(
                trx,
                `fetch forward ${batchRows} from ${CURSOR}`,
              );
              for (const row of rows) {
                const values: RowValues = table.columns.map((_, index) => row[`c${index}`] ?? null);
                await writer.write(JSON.stringify(values));
              }
              rowsOfTable += rows.length;
              done += rows.length;
              options.onProgress?.({ phase: 'backup', table: table.name, rows: done, totalRows });
              if (rows.length < batchRows) break;
            }
            await rawQuery(trx, `close ${CURSOR}`);
            if (rowsOfTable !== table.rows) {
              throw new Error(
                `${table.name}: counted ${table.rows} rows but read ${rowsOfTable} in the same snapshot`,
              );
            }
          }
          const sha256 = writer.digest();
          await writer.write(JSON.stringify({ end: BACKUP_FORMAT, rows: totalRows, sha256 }), false);
          const auditEvents = counted.find((table) => table.name === 'audit_event')?.rows ?? 0;
          return { tables: counted.length, rows: totalRows, sha256, auditEvents };
        }),
    );
    gzip.end();
    await written;
    await rename(partial, file);
    const { size } = await stat(file);
    return { file, ...summary, bytes: size };
  } catch (error) {
    gzip.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}
