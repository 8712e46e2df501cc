// Shared by the load and scale benchmarks: a signed-in HTTP client of a running exotrial server,
// latency percentiles, and the machine the figures were measured on.
import { cpus, loadavg, totalmem } from 'node:os';

export interface Session {
  email: string;
  headers: Record<string, string>;
}

/** Signs in through POST /api/v1/auth/login; the session cookie and CSRF token go on every request. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<Session> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`sign-in of ${email} failed: ${response.status} ${text}`);
  const cookie = /exotrial_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const { csrfToken } = JSON.parse(text) as { csrfToken: string };
  return { email, headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' } };
}

export interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

/** One request, timed from send to the last byte of the body. Transport failures reject. */
export async function call(
  baseUrl: string,
  session: Session,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: session.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, ms };
}

/** Nearest-rank percentile of ascending `sorted`, in ms to one decimal. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Number((sorted[rank] ?? 0).toFixed(1));
}

export function latencySummary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50_ms: percentile(sorted, 0.5),
    p99_ms: percentile(sorted, 0.99),
    max_ms: Number((sorted[sorted.length - 1] ?? 0).toFixed(1)),
  };
}

/** What the figures were measured on: other work on the machine shows in the load average. */
export function machine() {
  const [one, five, fifteen] = loadavg();
  return {
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(totalmem() / 1024 ** 3),
    load_average_1_5_15: [one, five, fifteen].map((value) => Number((value ?? 0).toFixed(2))),
  };
}
