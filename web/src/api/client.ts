import type { z } from 'zod';
import type { ImportResult } from '../../../src/import/import.schema.ts';
import type { errorBodySchema } from '../../../src/kernel/api-schemas.ts';
import type { FieldProblem } from '../../../src/kernel/errors.ts';

/**
 * What an error answer's `details` may hold. The server declares `details` as unknown (each error
 * carries its own); these are the keys the pages read.
 */
export interface ErrorDetails {
  fields?: FieldProblem[];
  totpRequired?: boolean;
  totpEnrolmentRequired?: boolean;
  lockedUntil?: string;
  /** A refused logger file's bad rows, by line (the first hundred; rowsBad counts them all). */
  badRows?: Array<{ line: number; message: string }>;
  rowsBad?: number;
  /** A refused form data import: every problem by line (the first thousand; problemCount counts them all). */
  problems?: ImportResult['problems'];
  problemCount?: number;
  currentPasswordWrong?: boolean;
  reason?: unknown;
}

/** The API's error body, as every 4xx/5xx answer carries it (`errorBodySchema` on the server). */
export type ApiErrorBody = Omit<z.infer<typeof errorBodySchema>, 'details'> & { details?: ErrorDetails };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

/**
 * The query string of a GET. `Query` is the `z.input` of the querystring schema the route declares,
 * so a key the route does not take does not compile; values are written as the URL carries them, and
 * empty ones (undefined or '') are left out.
 */
export function queryText<Query extends object>(
  query: {
    [Key in keyof Query]?: string | number | boolean | undefined;
  },
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params.toString();
}

let csrfToken: string | null = null;
// How far the server's clock is ahead of this computer's, from the Date header of its last answer, so
// that times offered as "now" come from the server's clock (a ward PC's clock may be wrong).
let serverClockOffset = 0;

/** Now by the server's clock (to the second), as last seen in an answer of the API. */
export const serverNow = (): Date => new Date(Date.now() + serverClockOffset);

export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

/** fetch for /api/v1 with a file as the body (CSV), the answer as JSON, errors as ApiError. */
export async function apiUpload<T>(path: string, file: Blob, contentType: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': contentType };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method: 'POST',
    headers,
    body: file,
    credentials: 'same-origin',
  });
  return answer<T>(response);
}

/**
 * fetch for /api/v1: JSON in and out, the CSRF header on writes, errors as ApiError. `T` is the
 * answer's type and `Body` the request's, both named by the caller from the server's schemas. A body
 * is never inferred from the object passed: a call that sends one without naming its type does not
 * compile, so every request is checked against the schema its route declares.
 */
export async function api<T = void, Body = never>(
  method: string,
  path: string,
  body?: NoInfer<Body>,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  return answer<T>(response);
}

async function answer<T>(response: Response): Promise<T> {
  const serverDate = Date.parse(response.headers.get('date') ?? '');
  if (Number.isFinite(serverDate)) serverClockOffset = serverDate - Date.now();
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const errorBody: ApiErrorBody =
      data && typeof data === 'object' && 'error' in data
        ? (data as ApiErrorBody)
        : { error: 'internal', message: `HTTP ${response.status}` };
    throw new ApiError(response.status, errorBody);
  }
  return data as T;
}
