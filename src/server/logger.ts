import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';

/**
 * JSON lines in production and whenever output is not a terminal (log shippers read them);
 * pino-pretty for a developer at a terminal. Secrets never reach the log: cookies, tokens and
 * passwords are redacted.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'environment'>): Logger {
  const pretty = config.environment === 'development' && process.stdout.isTTY;
  return pino({
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-csrf-token"]',
        '*.password',
        '*.token',
      ],
      censor: '[redacted]',
    },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } } : {}),
  });
}
