import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';

/** Query parameters whose values are secrets (the one-time setup link carries `token`). */
const secretQueryParameters = /([?&](?:token|secret|password|code|key)=)[^&#]*/gi;

/** A request URL with the values of secret query parameters replaced. */
export const redactUrl = (url: string): string => url.replace(secretQueryParameters, '$1[redacted]');

/**
 * Paths redacted wherever they appear in a log line: request headers that carry credentials, and
 * the secrets of any object logged by mistake (a body, an error's details). Fastify's request
 * serializer logs no headers or bodies; these are the second line of defence.
 */
export const redactedPaths = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.secret',
  '*.totp',
  '*.code',
  '*.csrfToken',
  '*.otpauthUri',
  '*.cookie',
  '*.authorization',
  '*["x-csrf-token"]',
];

/**
 * JSON lines in production and whenever output is not a terminal (log shippers read them);
 * pino-pretty for a developer at a terminal. Secrets never reach the log: cookies, tokens, CSRF
 * tokens, TOTP secrets and codes and passwords are redacted, and secret query parameters are cut out
 * of logged URLs. `destination` is for tests that read what was logged.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'environment'>,
  destination?: DestinationStream,
): Logger {
  const pretty = config.environment === 'development' && process.stdout.isTTY && !destination;
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: {
      req: (request: { method?: string; url?: string; hostname?: string; ip?: string; id?: unknown }) => ({
        id: request.id,
        method: request.method,
        url: typeof request.url === 'string' ? redactUrl(request.url) : request.url,
        host: request.hostname,
        remoteAddress: request.ip,
      }),
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
