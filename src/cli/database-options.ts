import { type Config, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/connection.ts';
import { assertCurrentSchema, migrateToLatest } from '../db/migrate.ts';
import { findStudyId } from '../study/study.service.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder, type DatabaseUse } from './data-folder.ts';
import type { DatabaseOptions } from './data-option.ts';

export { checkDataFolder, type DatabaseUse } from './data-folder.ts';
export type { DatabaseOptions } from './data-option.ts';

export const configFor = (options: DatabaseOptions): Config =>
  loadConfig(process.env, { dataDir: options.data });

/** Opens the configured database for a command, after checking that it may (see DatabaseUse). */
export async function openCommandDatabase(
  options: DatabaseOptions,
  use: DatabaseUse,
): Promise<{ database: Database; config: Config }> {
  const config = configFor(options);
  checkDataFolder(config, use);
  return { database: await openDatabase(config.database), config };
}

/**
 * What a command does to the database's schema: a command that writes brings it up to date first;
 * one that only reads (`report`, `audit verify`) leaves it as it is and refuses a schema that is
 * behind, rather than upgrade a database under the servers that use it.
 */
export type SchemaUse = 'migrate' | 'read-only';

/** Opens the configured database, migrated (or checked current), and finds its study; closes it after `work`. */
export async function withStudyDatabase<T>(
  options: DatabaseOptions,
  work: (database: Database, studyId: string, config: Config) => Promise<T>,
  use: DatabaseUse = 'read',
  schema: SchemaUse = 'migrate',
): Promise<T> {
  const { database, config } = await openCommandDatabase(options, use);
  try {
    if (schema === 'migrate') await migrateToLatest(database.kysely);
    else await assertCurrentSchema(database.kysely);
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
