import type { Command } from 'commander';
import { type Config, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { findStudyId } from '../study/study.service.ts';
import { CliUserError } from './cli-errors.ts';

export interface DatabaseOptions {
  data?: string;
}

/** Adds --data DIR to a command that touches the database. */
export const withDataOption = (command: Command) =>
  command.option(
    '--data <dir>',
    'PGlite data folder (default: DATA_DIR, else ./data); ignored with DATABASE_URL',
  );

export const configFor = (options: DatabaseOptions): Config =>
  loadConfig(process.env, { dataDir: options.data });

/** Opens the configured database, migrated, and finds its study; closes it after `work`. */
export async function withStudyDatabase<T>(
  options: DatabaseOptions,
  work: (database: Database, studyId: string, config: Config) => Promise<T>,
): Promise<T> {
  const config = configFor(options);
  const database = await openDatabase(config.database);
  try {
    await migrateToLatest(database.kysely);
    const studyId = await database.read(findStudyId);
    if (!studyId) {
      throw new CliUserError(
        'The database holds no study yet: start the server once (`exotrial serve`) to load the protocol.',
      );
    }
    return await work(database, studyId, config);
  } finally {
    await database.close();
  }
}
