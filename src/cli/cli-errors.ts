import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';
import { DatabaseUnavailableError } from '../db/connection.ts';
import { DataDirBusyError } from '../db/data-dir-lock.ts';
import { DatabaseTooNewError, DatabaseTooOldError } from '../db/migrate.ts';
import { DomainError } from '../kernel/errors.ts';
import { ProtocolFileError } from '../study/protocol-source.ts';
import { CliUserError, domainErrorText, EXIT_INTERNAL, EXIT_USER_ERROR, oneLine } from './cli-user-error.ts';

// The error and exit codes live apart, so that defining a command loads none of the classes below.
export { CliUserError, EXIT_INTERNAL, EXIT_OK, EXIT_USER_ERROR } from './cli-user-error.ts';

/**
 * Keeps what a person cannot act on (the stack) out of the terminal: it goes to a file, readable by
 * its owner only, whose path the one-line message gives for a bug report.
 */
function writeErrorLog(error: unknown): string | undefined {
  const path = join(
    tmpdir(),
    `exotrial-error-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.log`,
  );
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  try {
    writeFileSync(path, `exotrial ${process.argv.slice(2).join(' ')}\n${text}\n`, { mode: 0o600 });
    return path;
  } catch {
    return undefined;
  }
}

/** The exit code and one-line message for an error escaping a command. */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
  if (error instanceof DomainError && error.status < 500) {
    return { exitCode: EXIT_USER_ERROR, message: domainErrorText(error) };
  }
  if (
    error instanceof CliUserError ||
    error instanceof ConfigError ||
    error instanceof ProtocolFileError ||
    error instanceof DataDirBusyError ||
    error instanceof DatabaseTooNewError ||
    error instanceof DatabaseTooOldError
  ) {
    return { exitCode: EXIT_USER_ERROR, message: oneLine(error.message) };
  }
  if (error instanceof DatabaseUnavailableError) {
    const what =
      error.reason === 'disk_full'
        ? 'its disk is full: free space on the data volume'
        : 'check DATABASE_URL and that PostgreSQL is running';
    return {
      exitCode: EXIT_INTERNAL,
      message: oneLine(
        `The database cannot serve now (${String(error.cause)}): ${what}, then run the command again.`,
      ),
    };
  }
  const log = writeErrorLog(error);
  const summary = oneLine(error instanceof Error ? error.message : String(error)).slice(0, 300);
  return {
    exitCode: EXIT_INTERNAL,
    message: `Internal error: ${summary}. ${log ? `Details are in ${log}; send that file with a bug report.` : 'Run the command again; report it if it recurs.'}`,
  };
}
