/**
 * The closed set of error codes the API answers with, each with its HTTP status. Services throw
 * `DomainError`s; the error handler in app.ts turns them (and Fastify's own errors) into
 * `{ error, message, details }`. Anything else is a fault: logged, and answered with a plain 500.
 */
export const errorStatus = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  csrf_failed: 403,
  forbidden: 403,
  password_change_required: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  export_unwritable: 422,
  locked: 423,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldProblem {
  field: string;
  message: string;
  /** The message in each language, where the check has both (protocol edit checks do). */
  messages?: { en: string; zh: string };
}

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: unknown;
}

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { error: this.code, message: this.message }
      : { error: this.code, message: this.message, details: this.details };
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} was not found.`);
export const conflict = (message: string, details?: unknown) => new DomainError('conflict', message, details);
export const forbidden = (message = 'Your role does not allow this action.') =>
  new DomainError('forbidden', message);
export const unauthenticated = (message = 'Sign in first.') => new DomainError('unauthenticated', message);
export const validationFailed = (problems: FieldProblem[], message = 'Some fields are not valid.') =>
  new DomainError('validation_failed', message, { fields: problems });
