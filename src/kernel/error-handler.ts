import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { asDatabaseUnavailable } from '../db/connection.ts';
import { DomainError, type ErrorBody, type ErrorCode, errorStatus } from './errors.ts';

/** Fastify's own client errors, by code, mapped onto our closed set. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'validation_failed',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

const friendlyMessages: Partial<Record<ErrorCode, string>> = {
  bad_request: 'The request is malformed: send valid JSON with Content-Type: application/json.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'Send the request body as application/json.',
};

function toBody(error: FastifyError): { status: number; body: ErrorBody } | null {
  if (error instanceof DomainError) return { status: error.status, body: error.toBody() };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((issue) => ({
      field: [error.validationContext, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message,
    }));
    return {
      status: 400,
      body: { error: 'validation_failed', message: 'Some fields are not valid.', details: { fields } },
    };
  }
  if (error.statusCode === 429) {
    return { status: 429, body: { error: 'rate_limited', message: error.message } };
  }
  const code = error.code ? fastifyCodes[error.code] : undefined;
  if (code) {
    return {
      status: errorStatus[code],
      body: { error: code, message: friendlyMessages[code] ?? error.message },
    };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: { error: 'bad_request', message: error.message } };
  }
  return null;
}

/**
 * One mapping from errors to `{ error, message, details }`; unknown errors are faults, logged as such.
 * A database that cannot serve for now (restarting, unreachable, disk full) is a 503 with Retry-After,
 * so clients and load balancers try again instead of reporting a fault.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const unavailable = error instanceof DomainError ? null : asDatabaseUnavailable(error);
    if (unavailable) {
      request.log.warn(
        { err: { reason: unavailable.reason, cause: String(unavailable.cause) } },
        'database unavailable',
      );
      const body: ErrorBody = {
        error: 'unavailable',
        message: unavailable.message,
        details: { reason: unavailable.reason },
      };
      return reply.status(503).header('retry-after', String(unavailable.retryAfterSeconds)).send(body);
    }
    const mapped = toBody(error);
    if (mapped) {
      request.log.info({ err: { code: mapped.body.error, message: mapped.body.message } }, 'request refused');
      return reply.status(mapped.status).send(mapped.body);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
    } else {
      request.log.error({ err: error }, 'request failed');
    }
    const body: ErrorBody = {
      error: 'internal',
      message: `Something went wrong on the server. Quote request id ${request.id} when reporting it.`,
    };
    return reply.status(500).send(body);
  });
}
