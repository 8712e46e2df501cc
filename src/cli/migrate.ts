import type { Command } from 'commander';
import { migrateToLatest } from '../db/migrate.ts';
import { type DatabaseOptions, openCommandDatabase, withDataOption } from './database-options.ts';

export function registerMigrateCommand(program: Command): void {
  withDataOption(
    program
      .command('migrate')
      .description('bring the database schema up to this version (serve does it too)'),
  ).action(async (options: DatabaseOptions) => {
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
  });
}
