import { Writable } from 'node:stream';
import { generate } from 'otplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { openDatabase } from '../../src/db/connection.ts';
import type { App } from '../../src/kernel/context.ts';
import { buildApp } from '../../src/server/app.ts';
import { createLogger, redactUrl } from '../../src/server/logger.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { describeEachDatabase, freshTarget, testConfig } from '../support/test-app.ts';

const ADMIN_PASSWORD = 'Quiet heron ledger 4821';
const NEW_PASSWORD = 'Amber walrus comet 7305';
const STAFF_PASSWORD = 'Violet canyon drum 9164';
const CHOSEN_PASSWORD = 'Copper lantern fjord 2257';

/**
 * The app's own logger (src/server/logger.ts, at trace level, so every line it can write is written)
 * into a buffer, while a person signs in, an administrator sets a password that its owner then changes,
 * an API token is issued (with the password) and
 * used, TOTP is enrolled and confirmed, and the setup page is opened with its one-time token: none of
 * the passwords, token, TOTP secret or code, session cookie or CSRF token appears in the log.
 */
describeEachDatabase('secrets never reach the log', (kind) => {
  const lines: string[] = [];
  let app: App;
  let close: () => Promise<void>;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    const { target, dispose } = await freshTarget(kind);
    const config = testConfig(target, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'trace',
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger({ logLevel: 'trace', environment: 'production' }, sink);
    const database = await openDatabase(target);
    const { studyId } = await bootstrap(database, config, logger);
    await database.transaction((trx) =>
      createUser(trx, studyId, systemActor('test'), {
        email: 'staff@example.org',
        name: 'Sam Staff',
        roles: ['data_manager'],
        siteIds: [],
        password: STAFF_PASSWORD,
      }),
    );
    app = await buildApp({ config, database, studyId }, { logger });
    await app.ready();
    close = async () => {
      await app.close();
      await database.close();
      await dispose();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  async function signIn(email: string, password: string, cookie?: string) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      ...(cookie ? { headers: { cookie } } : {}),
    });
    expect(response.statusCode, response.body).toBe(200);
    const value = response.cookies.find((entry) => entry.name === 'exotrial_session')?.value ?? '';
    const csrfToken: string = response.json().csrfToken;
    return { value, csrfToken, headers: { cookie: `exotrial_session=${value}`, 'x-csrf-token': csrfToken } };
  }

  it('logs requests but none of the secrets they carry', async () => {
    secrets.set('administrator password', ADMIN_PASSWORD);
    secrets.set('staff password', STAFF_PASSWORD);
    // A failed sign-in too: the wrong password must not be logged either.
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@example.org', password: 'wrong password never logged' },
    });
    expect(wrong.statusCode).toBe(401);
    secrets.set('wrong password', 'wrong password never logged');

    const admin = await signIn('admin@example.org', ADMIN_PASSWORD);
    secrets.set('session cookie', admin.value);
    secrets.set('CSRF token', admin.csrfToken);

    const users = await app.inject({ method: 'GET', url: '/api/v1/users', headers: admin.headers });
    const staff = (users.json() as Array<{ userId: string; email: string }>).find(
      (user) => user.email === 'staff@example.org',
    );
    const reset = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${staff?.userId}/password`,
      headers: admin.headers,
      payload: { password: NEW_PASSWORD, reason: 'forgotten' },
    });
    expect(reset.statusCode, reset.body).toBeLessThan(300);
    secrets.set('new password', NEW_PASSWORD);

    const staffSession = await signIn('staff@example.org', NEW_PASSWORD);
    secrets.set('second session cookie', staffSession.value);
    // The password an administrator set must be replaced by one only its owner knows.
    const change = await app.inject({
      method: 'POST',
      url: '/api/v1/account/password',
      headers: staffSession.headers,
      payload: { currentPassword: NEW_PASSWORD, newPassword: CHOSEN_PASSWORD },
    });
    expect(change.statusCode, change.body).toBe(200);
    secrets.set('chosen password', CHOSEN_PASSWORD);
    const token = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: staffSession.headers,
      payload: { name: 'nightly export', expiresInDays: 30, password: CHOSEN_PASSWORD },
    });
    expect(token.statusCode, token.body).toBe(201);
    const tokenSecret: string = token.json().token;
    secrets.set('API token', tokenSecret);
    const withToken = await app.inject({
      method: 'GET',
      url: '/api/v1/study',
      headers: { authorization: `Bearer ${tokenSecret}` },
    });
    expect(withToken.statusCode).toBe(200);

    const enrol = await app.inject({
      method: 'POST',
      url: '/api/v1/account/totp/enrol',
      headers: admin.headers,
    });
    expect(enrol.statusCode, enrol.body).toBe(200);
    const totpSecret: string = enrol.json().secret;
    secrets.set('TOTP secret', totpSecret);
    const code = await generate({ secret: totpSecret });
    const confirm = await app.inject({
      method: 'POST',
      url: '/api/v1/account/totp/confirm',
      headers: admin.headers,
      payload: { code, password: ADMIN_PASSWORD },
    });
    expect(confirm.statusCode, confirm.body).toBe(204);

    // The one-time setup link is a page URL with the secret in its query.
    const setupSecret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    await app.inject({ method: 'GET', url: `/setup?token=${setupSecret}` });
    secrets.set('setup link token', setupSecret);
    // A refused call with a bad bearer token, which is logged as refused.
    const forged = `forged${tokenSecret.slice(6)}`;
    await app.inject({ method: 'GET', url: '/api/v1/study', headers: { authorization: `Bearer ${forged}` } });
    secrets.set('forged token', forged);

    const log = lines.join('\n');
    // The log is not empty: requests were logged, with their URLs.
    expect(log).toContain('incoming request');
    expect(log).toContain('/api/v1/auth/login');
    expect(log).toContain('/setup?token=[redacted]');
    const leaked = [...secrets].filter(([, secret]) => secret.length > 0 && log.includes(secret));
    expect(leaked.map(([name]) => name)).toEqual([]);
  });

  it('cuts secret query parameters out of URLs and keeps the rest', () => {
    expect(redactUrl('/setup?token=abc&lang=zh')).toBe('/setup?token=[redacted]&lang=zh');
    expect(redactUrl('/api/v1/participants?search=x&limit=5')).toBe('/api/v1/participants?search=x&limit=5');
    expect(redactUrl('/x?a=1&PASSWORD=p#frag')).toBe('/x?a=1&PASSWORD=[redacted]#frag');
  });
});
