import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config.ts';
import { DatabaseUnavailableError } from '../db/connection.ts';
import { DataDirBusyError } from '../db/data-dir-lock.ts';
import { DatabaseTooNewError, DatabaseTooOldError } from '../db/migrate.ts';
import { DomainError } from '../kernel/errors.ts';
import { ProtocolFileError } from '../study/protocol-source.ts';
import { CliUserError, EXIT_INTERNAL, EXIT_USER_ERROR } from './cli-user-error.ts';

// The error and exit codes live apart, so that defining a command loads none of the classes below.
export { CliUserError, EXIT_INTERNAL, EXIT_OK, EXIT_USER_ERROR } from './cli-user-error.ts';

/** Several lines (a list of fields, a configuration's problems) as one line. */
const oneLine = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');

/** The field messages of a DomainError that say more than its message does. */
function fieldText(error: DomainError): string {
  const fields = (error.details as { fields?: Array<{ field: string; message: string }> } | undefined)
    ?.fields;
  const extra = (fields ?? []).filter((field) => !error.message.includes(field.message));
  return extra.map((field) => `${field.field}: ${field.message}`).join('; ');
}

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
    const fields = fieldText(error);
    return {
      exitCode: EXIT_USER_ERROR,
      message: oneLine(fields ? `${error.message} (${fields})` : error.message),
    };
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
