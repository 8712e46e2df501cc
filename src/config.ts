import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { defaultProtocolPath } from './protocol/default-path.ts';

/**
 * Every environment variable exotrial reads, validated at boot. The configuration table of docs/operations.md
 * lists the same variables; keep both in step.
 */
const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  EXOTRIAL_PROTOCOL: z.string().min(1).optional(),
  EXOTRIAL_ADMIN_EMAIL: z.email().optional(),
  EXOTRIAL_ADMIN_PASSWORD: z.string().optional(),
  EXOTRIAL_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  EXOTRIAL_LOCKOUT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  EXOTRIAL_LOCKOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  EXOTRIAL_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
  EXOTRIAL_ADMIN_TOTP_REQUIRED: z.enum(['true', 'false']).default('false'),
  EXOTRIAL_SECRET_KEY: z
    .string()
    .regex(
      /^[0-9a-fA-F]{64}$/,
      'EXOTRIAL_SECRET_KEY must be 64 hex digits (32 bytes): `openssl rand -hex 32`',
    )
    .optional(),
  TRUST_PROXY: z.string().optional(),
  EXOTRIAL_PASSWORD_HISTORY: z.coerce.number().int().min(1).max(24).default(5),
  EXOTRIAL_TOKEN_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  EXOTRIAL_QUERY_REMINDER_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  EXOTRIAL_TOKEN_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  EXOTRIAL_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  EXOTRIAL_ANCHOR_FILE: z.string().min(1).optional(),
  EXOTRIAL_TSA_URL: z
    .url({ protocol: /^https?$/, message: 'EXOTRIAL_TSA_URL must be an http(s) URL' })
    .optional(),
  EXOTRIAL_SMTP_URL: z
    .string()
    .regex(
      /^smtps?:\/\//,
      'EXOTRIAL_SMTP_URL must start with smtp:// or smtps:// (smtp://user:password@host:587)',
    )
    .optional(),
  EXOTRIAL_MAIL_FROM: z.string().min(3).optional(),
  EXOTRIAL_MLLP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  EXOTRIAL_MLLP_HOST: z.string().min(1).default('0.0.0.0'),
  EXOTRIAL_LAB_DROP_DIR: z.string().min(1).optional(),
});

export type DatabaseTarget = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

export interface Config {
  port: number;
  host: string;
  database: DatabaseTarget;
  publicUrl: string | undefined;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  environment: z.infer<typeof environmentSchema>['NODE_ENV'];
  protocolFile: string;
  bootstrapAdmin: { email: string; password: string } | undefined;
  sessionIdleMinutes: number;
  bodyLimitBytes: number;
  /** Failed sign-ins in a row that lock an account, and for how long. */
  lockout: { attempts: number; minutes: number };
  /** Sign-in, setup and token requests allowed per client address and minute. */
  loginRateLimit: number;
  /** Default of the study setting "administrators must use TOTP" when the protocol does not say. */
  adminTotpRequired: boolean;
  /**
   * Which proxies in front of the server to believe about the client's address (X-Forwarded-For):
   * none (false), the number of hops, or their addresses and ranges. Passed to Fastify's trustProxy.
   */
  trustProxy: false | number | string[];
  /** Key that seals TOTP secrets at rest (AES-256-GCM); without it they are stored unsealed. */
  secretKey: Buffer | undefined;
  /** How many recent passwords (the current one included) a new password must differ from. */
  passwordHistory: number;
  /** API token lifetime in days: the default, and the most a token may be given. */
  tokenDays: { default: number; max: number };
  /** Where the audit chain head is anchored (one JSON line a day), and the time-stamp authority. */
  anchor: { file: string | undefined; tsaUrl: string | undefined };
  /** The SMTP server notifications go out through (none: in-app only), and their sender. */
  mail: { smtpUrl: string | undefined; from: string };
  /** Days a query may wait (open, or answered and not closed) before those it waits on are told. */
  queryWaitDays: number;
  /** Laboratory messages from hospital systems: an MLLP listener and a folder of files (each off when unset). */
  labInterface?: { mllpPort: number | undefined; mllpHost: string; dropDir: string | undefined };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigOverrides {
  port?: number;
  dataDir?: string;
}

/** Reads and validates the environment; command-line flags (overrides) win over variables. */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  overrides: ConfigOverrides = {},
): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const adminEmail = env.EXOTRIAL_ADMIN_EMAIL;
  const adminPassword = env.EXOTRIAL_ADMIN_PASSWORD;
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError('Set both EXOTRIAL_ADMIN_EMAIL and EXOTRIAL_ADMIN_PASSWORD, or neither.');
  }
  if (env.EXOTRIAL_TOKEN_DAYS > env.EXOTRIAL_TOKEN_MAX_DAYS) {
    throw new ConfigError(
      `EXOTRIAL_TOKEN_DAYS (${env.EXOTRIAL_TOKEN_DAYS}) must not exceed EXOTRIAL_TOKEN_MAX_DAYS (${env.EXOTRIAL_TOKEN_MAX_DAYS}).`,
    );
  }
  return {
    port: overrides.port ?? env.PORT,
    host: env.HOST,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'pglite', dataDir: resolve(overrides.dataDir ?? env.DATA_DIR) },
    publicUrl: env.PUBLIC_URL,
    logLevel: env.LOG_LEVEL,
    environment: env.NODE_ENV,
    // The shipped protocol by default, so a command run from any folder finds it.
    protocolFile: env.EXOTRIAL_PROTOCOL ? resolve(env.EXOTRIAL_PROTOCOL) : defaultProtocolPath(),
    bootstrapAdmin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
    sessionIdleMinutes: env.EXOTRIAL_SESSION_IDLE_MINUTES,
    bodyLimitBytes: env.EXOTRIAL_BODY_LIMIT_BYTES,
    lockout: { attempts: env.EXOTRIAL_LOCKOUT_ATTEMPTS, minutes: env.EXOTRIAL_LOCKOUT_MINUTES },
    loginRateLimit: env.EXOTRIAL_LOGIN_RATE_LIMIT,
    adminTotpRequired: env.EXOTRIAL_ADMIN_TOTP_REQUIRED === 'true',
    secretKey: env.EXOTRIAL_SECRET_KEY ? Buffer.from(env.EXOTRIAL_SECRET_KEY, 'hex') : undefined,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    passwordHistory: env.EXOTRIAL_PASSWORD_HISTORY,
    tokenDays: { default: env.EXOTRIAL_TOKEN_DAYS, max: env.EXOTRIAL_TOKEN_MAX_DAYS },
    anchor: {
      file: env.EXOTRIAL_ANCHOR_FILE ? resolve(env.EXOTRIAL_ANCHOR_FILE) : undefined,
      tsaUrl: env.EXOTRIAL_TSA_URL,
    },
    mail: { smtpUrl: env.EXOTRIAL_SMTP_URL, from: env.EXOTRIAL_MAIL_FROM ?? 'exotrial <exotrial@localhost>' },
    queryWaitDays: env.EXOTRIAL_QUERY_REMINDER_DAYS,
    labInterface: {
      mllpPort: env.EXOTRIAL_MLLP_PORT,
      mllpHost: env.EXOTRIAL_MLLP_HOST,
      dropDir: env.EXOTRIAL_LAB_DROP_DIR ? resolve(env.EXOTRIAL_LAB_DROP_DIR) : undefined,
    },
  };
}

const TRUST_PROXY_HELP =
  'TRUST_PROXY must be the number of proxies in front of the server (1–20), or their IP addresses ' +
  'and CIDR ranges separated by commas (e.g. 10.0.0.1,192.168.0.0/16); leave it unset without a proxy';

/**
 * TRUST_PROXY: unset or empty trusts no proxy (X-Forwarded-For is ignored, the client is the
 * connection's address); a number of hops; or addresses/ranges. Anything else stops the start, since
 * trusting the wrong hop lets any client choose the address that rate limits and the audit trail see.
 */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  const text = value?.trim() ?? '';
  if (text === '') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 20) throw new ConfigError(`Invalid configuration:\n  ${TRUST_PROXY_HELP}.`);
    return hops;
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const invalid = entries.filter((entry) => !isAddressOrRange(entry));
  if (invalid.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  ${TRUST_PROXY_HELP}; not an address or range: ${invalid.map((entry) => JSON.stringify(entry)).join(', ')}.`,
    );
  }
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Whether browsers reach exotrial over HTTPS: PUBLIC_URL says so (TLS usually ends at a proxy in front,
 * so the request itself cannot tell). Only then are HSTS, upgrade-insecure-requests and Secure
 * cookies sent: on a plain-HTTP hospital LAN they would lock browsers out of the server.
 */
export const servedOverTls = (config: Pick<Config, 'publicUrl'>): boolean =>
  config.publicUrl?.startsWith('https://') ?? false;
