import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Config, loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/connection.ts';
import { assertCurrentSchema, migrateToLatest } from '../db/migrate.ts';
import { findStudyId } from '../study/study.service.ts';
import { CliUserError } from './cli-errors.ts';
import { checkOutputFolder } from './cli-files.ts';
import type { DatabaseOptions } from './data-option.ts';

export type { DatabaseOptions } from './data-option.ts';

/**
 * What a command does with the database: only `serve`, `migrate`, `demo`, `restore` and `user add`
 * may create one; every other command reads an existing one, so a mistyped --data folder is an
 * error instead of a new 40 MB database in the wrong place.
 */
export type DatabaseUse = 'read' | 'create';

export const configFor = (options: DatabaseOptions): Config =>
  loadConfig(process.env, { dataDir: options.data });

const statOf = (path: string) => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** The nearest folder that exists on the way up from `path` (a new data folder is made below it). */
function nearestExisting(path: string): string {
  let current = path;
  while (!statOf(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** Refuses a PGlite data folder the command cannot use, before anything is opened or created. */
export function checkDataFolder(config: Config, use: DatabaseUse): void {
  if (config.database.kind !== 'pglite') return;
  const folder = config.database.dataDir;
  const found = statOf(folder);
  if (found && !found.isDirectory()) {
    throw new CliUserError(`The data folder ${folder} is a file: give a folder with --data (or DATA_DIR).`);
  }
  if (use === 'create') {
    const existing = found ? folder : nearestExisting(folder);
    checkOutputFolder(existing, 'the database');
    return;
  }
  if (!found) {
    throw new CliUserError(
      `There is no data folder ${folder}: check --data (or DATA_DIR); nothing was created. ` +
        '`exotrial serve`, `migrate`, `demo` and `restore` create a database.',
    );
  }
  // PostgreSQL (and so PGlite) writes PG_VERSION first into every data folder it initialises.
  if (!statOf(join(folder, 'PG_VERSION'))) {
    throw new CliUserError(
      `The folder ${folder} holds no exotrial database: check --data (or DATA_DIR); nothing was created.`,
    );
  }
}

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
