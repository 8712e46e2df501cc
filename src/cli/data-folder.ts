import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config.ts';
import { checkOutputFolder } from './cli-files.ts';
import { CliUserError } from './cli-user-error.ts';

// Apart from database-options.ts, which opens databases (migrations, the study): `serve` checks its
// folder with this alone and starts the database before loading anything else.

/**
 * What a command does with the database: only `serve`, `migrate`, `demo`, `restore` and `user add`
 * may create one; every other command reads an existing one, so a mistyped --data folder is an
 * error instead of a new 40 MB database in the wrong place.
 */
export type DatabaseUse = 'read' | 'create';

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
