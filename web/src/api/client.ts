/** The API's error body, as every 4xx/5xx answer carries it. */
export interface ApiErrorBody {
  error: string;
  message: string;
  details?: {
    fields?: Array<{ field: string; message: string }>;
    totpRequired?: boolean;
    totpEnrolmentRequired?: boolean;
    lockedUntil?: string;
    currentPasswordWrong?: boolean;
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

/** fetch for /api/v1: JSON in and out, the CSRF header on writes, errors as ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const errorBody =
      data && typeof data === 'object' && 'error' in data
        ? (data as ApiErrorBody)
        : { error: 'internal', message: `HTTP ${response.status}` };
    throw new ApiError(response.status, errorBody);
  }
  return data as T;
}
