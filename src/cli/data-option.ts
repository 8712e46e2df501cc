import type { Command } from 'commander';

export interface DatabaseOptions {
  data?: string;
}

/** Adds --data DIR to a command that touches the database. */
export const withDataOption = (command: Command) =>
  command.option(
    '--data <dir>',
    'PGlite data folder (default: DATA_DIR, else ./data); ignored with DATABASE_URL',
  );
