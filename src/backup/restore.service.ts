import { Migrator } from 'kysely/migration';
import type { StoredAuditEvent, VerifyResult } from '../audit/verify.ts';
import { AuditChainVerifier } from '../audit/verify.ts';
import type { Database, Db } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { migrations } from '../db/migrations/index.ts';
import {
  type BackupHeader,
  type BackupProgress,
  type BackupTable,
  RestoreRefusedError,
} from './backup-format.ts';
import { checkBackupFile, readBackup } from './backup-reader.ts';
import {
  applyTextSettings,
  quoteIdentifier,
  rawQuery,
  readAppliedMigrations,
  readSequences,
  readTables,
  type TableDefinition,
} from './catalog.ts';

export interface RestoreOptions {
  /** Replace whatever the target holds. */
  force?: boolean;
  /** Restore even when a study's audit chain in the backup does not verify. */
  allowBrokenAudit?: boolean;
  onProgress?: (progress: BackupProgress) => void;
}

export interface RestoreSummary {
  /** The file's SHA-256, as its trailer states and the restore recomputed. */
  sha256: string;
  tables: number;
  rows: number;
  replacedRows: number;
  studies: Array<{ studyId: string; audit: VerifyResult }>;
  /** Migrations run after the restore because the backup came from an older exotrial. */
  migratedAfter: string[];
}

const BATCH_ROWS = 1000;
const BATCH_CHARACTERS = 4_000_000;

/** Rows per table of the target, counting only tables that hold any. */
async function occupiedTables(db: Db, tables: TableDefinition[]): Promise<Array<[string, number]>> {
  const occupied: Array<[string, number]> = [];
  for (const table of tables) {
    const [row] = await rawQuery<{ rows: string }>(
      db,
      `select count(*)::text as rows from ${quoteIdentifier(table.name)}`,
    );
    const count = Number(row?.rows ?? 0);
    if (count > 0) occupied.push([table.name, count]);
  }
  return occupied;
}

function refuseNonEmpty(occupied: Array<[string, number]>): never {
  const listed = occupied
    .slice(0, 5)
    .map(([name, rows]) => `${name} (${rows})`)
    .join(', ');
  throw new RestoreRefusedError(
    `The target database is not empty: ${listed}${occupied.length > 5 ? ` and ${occupied.length - 5} more tables` : ''}. ` +
      'Restore into a new, empty database, or add --force to replace everything it holds.',
  );
}

/** The backup's migrations must be this code's first migrations, in order. */
function checkKnownMigrations(header: BackupHeader): void {
  const known = Object.keys(migrations).sort();
  if (header.migrations.length === 0) {
    throw new RestoreRefusedError('The backup names no applied migrations: it holds no exotrial schema.');
  }
  header.migrations.forEach((name, index) => {
    if (known[index] !== name) {
      throw new RestoreRefusedError(
        known.includes(name)
          ? `The backup's migrations are not this exotrial's in order: where this version has ${known[index]}, ` +
              `the backup has ${name} (exotrial ${header.exotrialVersion} wrote it). Restore it with that version.`
          : `The backup was taken at migration ${name}, which this version of exotrial does not know. Upgrade exotrial to restore it.`,
      );
    }
  });
}

/** Brings an empty or older target to exactly the backup's migrations; refuses one that is ahead or different. */
async function matchMigrations(database: Database, header: BackupHeader): Promise<void> {
  const applied = await database.read(readAppliedMigrations);
  const differs = applied.some((name, index) => header.migrations[index] !== name);
  if (differs || applied.length > header.migrations.length) {
    throw new RestoreRefusedError(
      `The target database is at migration ${applied.at(-1)}, the backup at ${header.migrations.at(-1)}: ` +
        'the schemas differ. Restore into a new, empty database, or upgrade the source and take a new backup.',
    );
  }
  const last = header.migrations.at(-1);
  if (applied.length < header.migrations.length && last) {
    const migrator = new Migrator({
      db: database.kysely,
      provider: { getMigrations: async () => migrations },
    });
    const result = await migrator.migrateTo(last);
    if (result.error) throw result.error;
  }
}

const describeColumns = (table: { columns: Array<{ name: string; type: string }> }) =>
  table.columns.map((column) => `${column.name} ${column.type}`).join(', ');

/** The target's tables and columns must be exactly the backup's (same migrations should ensure it). */
function checkSameTables(header: BackupHeader, target: TableDefinition[]): void {
  const problems: string[] = [];
  const targetByName = new Map(target.map((table) => [table.name, table]));
  for (const table of header.tables) {
    const there = targetByName.get(table.name);
    if (!there) problems.push(`table ${table.name} is missing from the target`);
    else if (describeColumns(there) !== describeColumns(table)) {
      problems.push(
        `table ${table.name} has columns (${describeColumns(there)}) instead of (${describeColumns(table)})`,
      );
    }
  }
  const inBackup = new Set(header.tables.map((table) => table.name));
  for (const table of target)
    if (!inBackup.has(table.name)) problems.push(`table ${table.name} is not in the backup`);
  if (problems.length > 0) {
    throw new RestoreRefusedError(
      `The target database's schema differs from the backup's: ${problems.join('; ')}.`,
    );
  }
}

function insertStatement(table: BackupTable): string {
  const names = table.columns.map((column) => quoteIdentifier(column.name)).join(', ');
  const casts = table.columns.map((column, index) => `u.c${index}::${column.type}`).join(', ');
  const arrays = table.columns.map((_, index) => `$${index + 1}::text[]`).join(', ');
  const aliases = table.columns.map((_, index) => `c${index}`).join(', ');
  const overriding = table.columns.some((column) => column.identityAlways) ? ' overriding system value' : '';
  return `insert into ${quoteIdentifier(table.name)} (${names})${overriding} select ${casts} from unnest(${arrays}) as u(${aliases})`;
}

/** Column-wise batches of text values, inserted with one `unnest` per batch. */
class BatchInserter {
  private columns: Array<Array<string | null>> = [];
  private rows = 0;
  private characters = 0;
  private statement = '';
  constructor(private readonly db: Db) {}

  async start(table: BackupTable): Promise<void> {
    await this.flush();
    this.statement = insertStatement(table);
    this.columns = table.columns.map(() => []);
  }

  async add(values: Array<string | null>): Promise<void> {
    values.forEach((value, index) => {
      this.columns[index]?.push(value);
      this.characters += value?.length ?? 0;
    });
    this.rows += 1;
    if (this.rows >= BATCH_ROWS || this.characters >= BATCH_CHARACTERS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows === 0) return;
    await rawQuery(this.db, this.statement, this.columns);
    this.columns = this.columns.map(() => []);
    this.rows = 0;
    this.characters = 0;
  }
}

async function verifyChain(db: Db, studyId: string): Promise<VerifyResult> {
  const verifier = new AuditChainVerifier();
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_event')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(1000)
      .execute();
    if (!rows.every((row) => verifier.add(row as StoredAuditEvent))) break;
    if (rows.length < 1000) break;
    after = Number(rows.at(-1)?.seq ?? after);
  }
  const head = await db
    .selectFrom('audit_chain_head')
    .select(['seq', 'hash'])
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  return verifier.finish(head ?? null);
}

/**
 * Restores a backup file into the database, all or nothing. The whole file is checked first
 * (header, every row, checksum): a truncated, corrupted or edited file touches nothing. The target
 * must be empty (or `force`), and is brought to exactly the backup's migrations; then one
 * transaction locks every table, empties it when forced, inserts the rows in foreign-key order with
 * user triggers off (as `pg_dump --disable-triggers` does: a restore replays rows, not actions),
 * sets the sequences, and verifies each study's audit chain before committing. Migrations newer
 * than the backup run afterwards, as on any upgrade.
 */
export async function restoreBackup(
  database: Database,
  file: string,
  options: RestoreOptions = {},
): Promise<RestoreSummary> {
  const { header, trailer } = await checkBackupFile(file, options.onProgress);
  checkKnownMigrations(header);
  const before = await database.read(async (db) => occupiedTables(db, await readTables(db)));
  if (before.length > 0 && !options.force) refuseNonEmpty(before);
  await matchMigrations(database, header);
  const tables = await database.read(readTables);
  checkSameTables(header, tables);
  const sequences = new Set((await database.read(readSequences)).map((sequence) => sequence.name));
  const missing = header.sequences.filter((sequence) => !sequences.has(sequence.name));
  if (missing.length > 0) {
    throw new RestoreRefusedError(
      `The target database lacks the sequences ${missing.map((s) => s.name).join(', ')} that the backup holds.`,
    );
  }

  const result = await database.transaction(async (trx) => {
    await applyTextSettings(trx);
    for (const table of tables)
      await rawQuery(trx, `alter table ${quoteIdentifier(table.name)} disable trigger user`);
    // Every table is now locked: this count cannot change before the commit.
    const occupied = await occupiedTables(trx, tables);
    if (occupied.length > 0 && !options.force) refuseNonEmpty(occupied);
    if (occupied.length > 0) {
      await rawQuery(trx, `truncate table ${tables.map((table) => quoteIdentifier(table.name)).join(', ')}`);
    }
    const inserter = new BatchInserter(trx);
    let rows = 0;
    for await (const item of readBackup(file, options.onProgress, 'restore')) {
      if (item.kind === 'table') await inserter.start(item.table);
      if (item.kind === 'row') {
        await inserter.add(item.values);
        rows += 1;
      }
    }
    await inserter.flush();
    for (const sequence of header.sequences) {
      await rawQuery(trx, 'select setval($1::regclass, $2::bigint, $3)', [
        quoteIdentifier(sequence.name),
        sequence.lastValue,
        sequence.isCalled,
      ]);
    }
    for (const table of tables)
      await rawQuery(trx, `alter table ${quoteIdentifier(table.name)} enable trigger user`);
    const studyIds = await rawQuery<{ study_id: string }>(
      trx,
      'select study_id from study union select study_id from audit_chain_head order by study_id',
    );
    const studies = [];
    for (const { study_id: studyId } of studyIds) {
      const audit = await verifyChain(trx, studyId);
      if (!audit.intact && !options.allowBrokenAudit) {
        throw new RestoreRefusedError(
          `The backup's audit trail of study ${studyId} is broken at seq ${audit.firstBreak?.seq}: ${audit.firstBreak?.message}. ` +
            'Nothing was restored. Add --allow-broken-audit to restore it as it is.',
        );
      }
      studies.push({ studyId, audit });
    }
    return {
      tables: tables.length,
      rows,
      replacedRows: occupied.reduce((sum, [, count]) => sum + count, 0),
      studies,
    };
  });
  const migratedAfter = await migrateToLatest(database.kysely);
  return { sha256: trailer.sha256, ...result, migratedAfter };
}
