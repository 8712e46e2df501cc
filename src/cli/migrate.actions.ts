import { migrateToLatest } from '../db/migrate.ts';
import { type DatabaseOptions, openCommandDatabase } from './database-options.ts';

export async function migrate(options: DatabaseOptions): Promise<void> {
  const { database } = await openCommandDatabase(options, 'create');
  try {
    const applied = await migrateToLatest(database.kysely);
    process.stdout.write(
      applied.length === 0
        ? 'The database is up to date.\n'
        : `Applied ${applied.length} migration(s):\n${applied.map((name) => `  ${name}\n`).join('')}`,
    );
  } finally {
    await database.close();
  }
}
