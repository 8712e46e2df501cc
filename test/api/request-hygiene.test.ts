import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { App } from '../../src/kernel/context.ts';
import { buildApp, requestIdFrom } from '../../src/server/app.ts';
import { ADMIN, createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';

const admin = { EXOTRIAL_ADMIN_EMAIL: ADMIN.email, EXOTRIAL_ADMIN_PASSWORD: ADMIN.password };
const CLIENT = '203.0.113.7';

/** Signs in with an X-Forwarded-For header and returns the address the sign-in's audit event recorded. */
async function signInAddress(t: TestApp): Promise<unknown> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'x-forwarded-for': CLIENT },
    payload: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(response.statusCode, response.body).toBe(200);
  const event = await t.database.read((db) =>
    db
      .selectFrom('audit_event')
      .select('context')
      .where('study_id', '=', t.studyId)
      .where('action', '=', 'auth.login')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow(),
  );
  return (event.context as Record<string, unknown> | null)?.ip;
}

describeEachDatabase('client address behind a proxy (TRUST_PROXY)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, admin);
  });
  afterAll(async () => t?.close());

  /** The server again on the same database, as started with this TRUST_PROXY. */
  async function withTrustProxy(value: string | undefined): Promise<TestApp> {
    const config = loadConfig(value === undefined ? {} : { TRUST_PROXY: value });
    const app = await buildApp(
      { config: { ...t.config, trustProxy: config.trustProxy }, database: t.database, studyId: t.studyId },
      { logger: pino({ level: 'silent' }) },
    );
    apps.push(app);
    return { ...t, app };
  }
  const apps: App[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: the audit trail has the connection’s address', async () => {
    expect(await signInAddress(t)).toBe('127.0.0.1');
    expect(await signInAddress(await withTrustProxy(undefined))).toBe('127.0.0.1');
  });

  it('records the forwarded client address when the proxy is trusted by address or by hop count', async () => {
    // inject() connects from 127.0.0.1: that is the proxy here.
    expect(await signInAddress(await withTrustProxy('127.0.0.1'))).toBe(CLIENT);
    expect(await signInAddress(await withTrustProxy('1'))).toBe(CLIENT);
  });

  it('ignores X-Forwarded-For from an address that is not a trusted proxy', async () => {
    expect(await signInAddress(await withTrustProxy('10.0.0.0/8'))).toBe('127.0.0.1');
  });
});

describe('TRUST_PROXY at configuration load', () => {
  it('is off by default and reads hops or addresses and ranges', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
      'fd00::/8',
    ]);
  });

  it('refuses an invalid value with a message naming the variable', () => {
    for (const value of [
      'yes',
      'true',
      '0',
      '-1',
      '999',
      '10.0.0.1/33',
      '10.0.0.300',
      '10.0.0.1,,',
      'proxy.local',
    ]) {
      expect(() => loadConfig({ TRUST_PROXY: value }), value).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: value }), value).toThrow(/TRUST_PROXY must be/);
    }
  });
});

describe('client-sent request ids', () => {
  it('keeps a short, plain id and replaces anything else', () => {
    expect(requestIdFrom('abc-DEF_123')).toBe('abc-DEF_123');
    expect(requestIdFrom('a'.repeat(64))).toBe('a'.repeat(64));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const given of [
      'a'.repeat(65),
      'short',
      'has space in it',
      'line\nbreak-injected',
      'ünïcode-id-000',
      'semi;colon-0000',
      undefined,
      ['abcdefgh'],
    ]) {
      expect(requestIdFrom(given), String(given)).toMatch(uuid);
    }
  });
});

describeEachDatabase('request ids and CSRF tokens on the wire', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, admin);
  });
  afterAll(async () => t?.close());

  it('echoes a plain X-Request-Id and replaces a long or odd one', async () => {
    const plain = await t.app.inject({ url: '/api/v1/health', headers: { 'x-request-id': 'trace-0001_ok' } });
    expect(plain.headers['x-request-id']).toBe('trace-0001_ok');
    for (const given of ['x'.repeat(65), 'two words here', '<script>alert(1)</script>']) {
      const replaced = await t.app.inject({ url: '/api/v1/health', headers: { 'x-request-id': given } });
      expect(replaced.headers['x-request-id']).not.toBe(given);
      expect(String(replaced.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('accepts only the exact CSRF token: none, shorter, longer or same-length wrong ones get 403', async () => {
    const session = await signIn(t.app);
    const token = session.csrfToken;
    const flipped = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    for (const csrf of [undefined, '', token.slice(0, -1), `${token}0`, flipped]) {
      const headers: Record<string, string> = { cookie: session.cookie };
      if (csrf !== undefined) headers['x-csrf-token'] = csrf;
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers });
      expect(response.statusCode, String(csrf)).toBe(403);
      expect(response.json().error).toBe('csrf_failed');
    }
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: session.headers,
    });
    expect(accepted.statusCode, accepted.body).toBeLessThan(300);
  });
});
