import { rmSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { describe, inject } from 'vitest';
import { type Config, type DatabaseTarget, loadConfig } from '../../src/config.ts';
import { type Database, type DatabaseKind, openDatabase } from '../../src/db/connection.ts';
import type { App } from '../../src/kernel/context.ts';
import { buildApp } from '../../src/server/app.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { makeTestDataDir } from './test-dirs.ts';

export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/** Runs a suite once on PGlite and once on PostgreSQL (skipped only where PostgreSQL is not installed). */
export function describeEachDatabase(name: string, suite: (kind: DatabaseKind) => void): void {
  for (const kind of databaseKinds) {
    const missing = kind === 'postgres' && inject('postgresUrl') === null;
    (missing ? describe.skip : describe)(`${name} [${kind}]`, () => suite(kind));
  }
}

export interface TestTarget {
  target: DatabaseTarget;
  dispose(): Promise<void>;
}

/** A fresh, empty database of the given kind: a temp folder, or a new database on the test server. */
export async function freshTarget(kind: DatabaseKind): Promise<TestTarget> {
  if (kind === 'pglite') {
    const dataDir = makeTestDataDir('exotrial-pglite-');
    return {
      target: { kind, dataDir },
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const adminUrl = inject('postgresUrl');
  if (!adminUrl) throw new Error('no test PostgreSQL server');
  const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  return {
    target: { kind, url },
    dispose: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export function testConfig(target: DatabaseTarget, environment: NodeJS.ProcessEnv = {}): Config {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...environment });
  return { ...config, database: target };
}

export interface TestApp {
  app: App;
  database: Database;
  studyId: string;
  config: Config;
  setupSecret: string | null;
  close(): Promise<void>;
}

/** A migrated, bootstrapped app on a fresh database, driven with `app.inject`. */
export async function createTestApp(
  kind: DatabaseKind,
  environment: NodeJS.ProcessEnv = {},
): Promise<TestApp> {
  const { target, dispose } = await freshTarget(kind);
  const config = testConfig(target, environment);
  const database = await openDatabase(target);
  const logger = pino({ level: 'silent' });
  const { studyId, setupSecret } = await bootstrap(database, config, logger);
  const app = await buildApp({ config, database, studyId }, { logger });
  await app.ready();
  return {
    app,
    database,
    studyId,
    config,
    setupSecret,
    close: async () => {
      await app.close();
      await database.close();
      await dispose();
    },
  };
}

export const ADMIN = { email: 'admin@example.org', name: 'Ada Admin', password: 'correct horse battery' };

export interface SignedIn {
  cookie: string;
  csrfToken: string;
  headers: Record<string, string>;
}

/** Signs in and returns the cookie header and CSRF header to send with later requests. */
export async function signIn(app: App, email = ADMIN.email, password = ADMIN.password): Promise<SignedIn> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  const setCookie = response.cookies.find((cookie) => cookie.name === 'exotrial_session');
  if (!setCookie) throw new Error('no session cookie');
  const cookie = `exotrial_session=${setCookie.value}`;
  const csrfToken = (response.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } };
}
