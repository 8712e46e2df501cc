import { type Kysely, sql } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import { migrations } from './migrations/index.ts';

export class DatabaseTooNewError extends Error {
  override name = 'DatabaseTooNewError';
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
