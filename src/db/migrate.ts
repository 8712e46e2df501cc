import { type Kysely, sql } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import { migrations } from './migrations/index.ts';

export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
}

export class DatabaseTooOldError extends Error {
  override name = 'DatabaseTooOldError';
}

const MIGRATION_TABLE = 'kysely_migration';

async function appliedMigrationNames<S>(db: Kysely<S>): Promise<string[]> {
  const exists = await sql<{ present: boolean }>`
    select to_regclass(${MIGRATION_TABLE}) is not null as present`.execute(db);
  if (!exists.rows[0]?.present) return [];
  const rows = await sql<{
    name: string;
  }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db);
  return rows.rows.map((row) => row.name);
}

/**
 * Checks, without changing anything, that the database is at this code's newest migration: for a
 * command that only reads (a report, an audit verification), which must not upgrade a database
 * behind the servers' backs. Throws DatabaseTooNewError or DatabaseTooOldError.
 */
export async function assertCurrentSchema<S>(db: Kysely<S>): Promise<void> {
  const applied = await appliedMigrationNames(db);
  const known = Object.keys(migrations);
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new DatabaseTooNewError(
      `The database is at migration ${unknown.at(-1)}, newer than this version of exotrial knows. ` +
        'Upgrade exotrial to a version that includes that migration.',
    );
  }
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length > 0) {
    throw new DatabaseTooOldError(
      `The database lacks ${pending.length} migration${pending.length === 1 ? '' : 's'} of this version ` +
        `(the first is ${pending[0]}); this command only reads and does not upgrade it. ` +
        'Run `exotrial migrate` (or start the server, which migrates) first.',
    );
  }
}

/**
 * Brings the database up to this code's newest migration. All pending migrations run in one
 * transaction under Kysely's migration lock (an advisory lock on PostgreSQL), so several servers
 * starting at once apply them exactly once. A database that has run a migration this code does not
 * know is newer than the code: refuse rather than run old code over a newer schema.
 */
export async function migrateToLatest<S>(db: Kysely<S>): Promise<string[]> {
  const known = new Set(Object.keys(migrations));
  const applied = await appliedMigrationNames(db);
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new DatabaseTooNewError(
      `The database is at migration ${unknown.at(-1)}, newer than this version of exotrial knows. ` +
        'Upgrade exotrial to a version that includes that migration.',
    );
  }
  // Every start of an up-to-date database ends here, once the applied names are read: the migrator
  // would take its lock and read the table again to find nothing to do (a tenth of a restart).
  if (applied.length === known.size) return [];
  // Each migration is a self-contained addition; one numbered before a migration the database
  // already ran (two landed side by side, e.g. 07 after 09) still runs, instead of the database
  // refusing to start.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
