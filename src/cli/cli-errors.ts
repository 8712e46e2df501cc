import { ConfigError } from '../config.ts';
import { DatabaseUnavailableError } from '../db/connection.ts';
import { DataDirBusyError } from '../db/data-dir-lock.ts';
import { DatabaseTooNewError } from '../db/migrate.ts';
import { DomainError } from '../server/errors.ts';
import { ProtocolFileError } from '../study/protocol-source.ts';

/** A mistake of the person running the command: exit code 1 with a message, no stack trace. */
export class CliUserError extends Error {
  override name = 'CliUserError';
}

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL = 2;

/** The exit code and message for an error escaping a command. */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
  if (error instanceof DomainError) {
    const fields = (error.details as { fields?: Array<{ field: string; message: string }> } | undefined)
      ?.fields;
    const lines = fields?.map((f) => `  ${f.field}: ${f.message}`) ?? [];
    return {
      exitCode: error.status < 500 ? EXIT_USER_ERROR : EXIT_INTERNAL,
      message: [error.message, ...lines].join('\n'),
    };
  }
  if (
    error instanceof CliUserError ||
    error instanceof ConfigError ||
    error instanceof ProtocolFileError ||
    error instanceof DataDirBusyError ||
    error instanceof DatabaseTooNewError
  ) {
    return { exitCode: EXIT_USER_ERROR, message: error.message };
  }
  if (error instanceof DatabaseUnavailableError) {
    const what =
      error.reason === 'disk_full'
        ? 'its disk is full: free space on the data volume'
        : 'check DATABASE_URL and that PostgreSQL is running';
    return {
      exitCode: EXIT_INTERNAL,
      message: `The database cannot serve now (${String(error.cause)}): ${what}, then run the command again.`,
    };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { exitCode: EXIT_INTERNAL, message: `Internal error: ${message}` };
}
