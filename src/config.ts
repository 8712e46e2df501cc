import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable exotrial reads, validated at boot. The README's configuration table
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
  EXOTRIAL_PROTOCOL: z.string().min(1).default('protocols/mexcovid.yaml'),
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
  EXOTRIAL_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  EXOTRIAL_ANCHOR_FILE: z.string().min(1).optional(),
  EXOTRIAL_TSA_URL: z
    .url({ protocol: /^https?$/, message: 'EXOTRIAL_TSA_URL must be an http(s) URL' })
    .optional(),
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
  /** Key that seals TOTP secrets at rest (AES-256-GCM); without it they are stored unsealed. */
  secretKey: Buffer | undefined;
  /** Where the audit chain head is anchored (one JSON line a day), and the time-stamp authority. */
  anchor: { file: string | undefined; tsaUrl: string | undefined };
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
  return {
    port: overrides.port ?? env.PORT,
    host: env.HOST,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'pglite', dataDir: resolve(overrides.dataDir ?? env.DATA_DIR) },
    publicUrl: env.PUBLIC_URL,
    logLevel: env.LOG_LEVEL,
    environment: env.NODE_ENV,
    protocolFile: resolve(env.EXOTRIAL_PROTOCOL),
    bootstrapAdmin: adminEmail && adminPassword ? { email: adminEmail, password: adminPassword } : undefined,
    sessionIdleMinutes: env.EXOTRIAL_SESSION_IDLE_MINUTES,
    bodyLimitBytes: env.EXOTRIAL_BODY_LIMIT_BYTES,
    lockout: { attempts: env.EXOTRIAL_LOCKOUT_ATTEMPTS, minutes: env.EXOTRIAL_LOCKOUT_MINUTES },
    loginRateLimit: env.EXOTRIAL_LOGIN_RATE_LIMIT,
    adminTotpRequired: env.EXOTRIAL_ADMIN_TOTP_REQUIRED === 'true',
    secretKey: env.EXOTRIAL_SECRET_KEY ? Buffer.from(env.EXOTRIAL_SECRET_KEY, 'hex') : undefined,
    anchor: {
      file: env.EXOTRIAL_ANCHOR_FILE ? resolve(env.EXOTRIAL_ANCHOR_FILE) : undefined,
      tsaUrl: env.EXOTRIAL_TSA_URL,
    },
  };
}
