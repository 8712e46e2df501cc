import type { DomainError } from '../kernel/errors.ts';

/** A mistake of the person running the command: exit code 1 with a message, no stack trace. */
export class CliUserError extends Error {
  override name = 'CliUserError';
}

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL = 2;

/** Several lines (a list of fields, a configuration's problems) as one line. */
export const oneLine = (text: string) =>
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

/** A refusal (a DomainError under 500) as one line: its message and the fields it does not name. */
export function domainErrorText(error: DomainError): string {
  const fields = fieldText(error);
  return oneLine(fields ? `${error.message} (${fields})` : error.message);
}
