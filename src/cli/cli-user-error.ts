/** A mistake of the person running the command: exit code 1 with a message, no stack trace. */
export class CliUserError extends Error {
  override name = 'CliUserError';
}

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL = 2;
