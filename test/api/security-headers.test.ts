import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDistDir } from '../../src/server/app.ts';
import { ADMIN, createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';

const ADMIN_ENV = { EXOTRIAL_ADMIN_EMAIL: ADMIN.email, EXOTRIAL_ADMIN_PASSWORD: ADMIN.password };

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | undefined): Map<string, string[]> {
  expect(header, 'a Content-Security-Policy header').toBeTypeOf('string');
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name ?? '', values]),
  );
}

/** The built app's first script (the build runs before the test suite in `npm test`). */
function builtScript(): string | undefined {
  try {
    return readdirSync(`${webDistDir}assets`).find((name) => name.endsWith('.js'));
  } catch {
    return undefined;
  }
}

describe('security headers over plain HTTP (no PUBLIC_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', ADMIN_ENV);
  });
  afterAll(async () => {
    await t?.close();
  });

  const script = builtScript();
  const urls = ['/', '/participants/123', '/api/v1/health', '/api/v1/no-such-route', '/api/docs/json'];
  if (script) urls.push(`/assets/${script}`);

  it.each(urls)(
    '%s: CSP without inline scripts, no framing, nosniff, no referrer, no X-Powered-By',
    async (url) => {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, response.body.slice(0, 200)).toBeLessThan(500);
      const csp = directives(response.headers['content-security-policy'] as string);
      const scriptSources = csp.get('script-src') ?? csp.get('default-src') ?? [];
      expect(scriptSources).toContain("'self'");
      expect(scriptSources).not.toContain("'unsafe-inline'");
      expect(scriptSources).not.toContain("'unsafe-eval'");
      expect(csp.get('script-src-attr')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.get('default-src')).toEqual(["'self'"]);
      // No foreign host anywhere in the policy.
      expect(
        [...csp.values()].flat().filter((source) => /^(https?:|[a-z0-9.-]+\.[a-z]{2,})/.test(source)),
      ).toEqual([]);
      // Plain HTTP (a hospital LAN): no HSTS and no upgrade, which would lock browsers out.
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
      expect(response.headers['strict-transport-security']).toBeUndefined();
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers.server).toBeUndefined();
    },
  );

  it('serves scripts as JavaScript and a missing asset as a JSON 404, never the page in its place', async () => {
    if (script) {
      const found = await t.app.inject({ method: 'GET', url: `/assets/${script}` });
      expect(found.statusCode).toBe(200);
      expect(found.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    }
    const missing = await t.app.inject({ method: 'GET', url: '/assets/no-such-file.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/json/);
    expect(missing.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });

  it('gives the Swagger UI page its own policy: files from the server only, no validator badge', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = directives(page.headers['content-security-policy'] as string);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    const initializer = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain('"validatorUrl":null');
  });
});

describe('security headers behind TLS (PUBLIC_URL is https)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('pglite', { ...ADMIN_ENV, PUBLIC_URL: 'https://trial.example.org' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends HSTS for a year and upgrade-insecure-requests, and marks the session cookie Secure', async () => {
    for (const url of ['/', '/api/v1/health', '/api/docs/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(
        directives(response.headers['content-security-policy'] as string).has('upgrade-insecure-requests'),
      ).toBe(true);
    }
    // TLS ends at the proxy: the request itself is plain HTTP, and the cookie must still be Secure.
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.cookies.find((cookie) => cookie.name === 'exotrial_session')?.secure).toBe(true);
  });
});

describeEachDatabase('session cookie: bound and rotated', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, ADMIN_ENV);
  });
  afterAll(async () => {
    await t?.close();
  });

  const me = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });

  it('is HttpOnly, SameSite=Strict, for the whole site, and not Secure over plain HTTP', async () => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ADMIN.email, password: ADMIN.password },
    });
    const cookie = login.cookies.find((entry) => entry.name === 'exotrial_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    // The secret is the cookie's only: the body carries the CSRF token, never the session secret.
    expect(login.body).not.toContain(cookie?.value);
  });

  it('rotates on sign-in: the cookie sent along is ended, the new one works, the old CSRF token does not', async () => {
    const first = await signIn(t.app);
    expect((await me(first.headers)).statusCode).toBe(200);
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { cookie: first.cookie },
      payload: { email: ADMIN.email, password: ADMIN.password },
    });
    expect(second.statusCode).toBe(200);
    const rotated = second.cookies.find((entry) => entry.name === 'exotrial_session')?.value;
    expect(rotated).toBeDefined();
    expect(`exotrial_session=${rotated}`).not.toBe(first.cookie);
    const oldSession = await me(first.headers);
    expect(oldSession.statusCode).toBe(401);
    expect(oldSession.json()).toMatchObject({ error: 'unauthenticated' });
    const fresh = { cookie: `exotrial_session=${rotated}`, 'x-csrf-token': second.json().csrfToken };
    expect((await me(fresh)).statusCode).toBe(200);
    expect(second.json().csrfToken).not.toBe(first.csrfToken);
    // The new session refuses a write carrying the old session's CSRF token.
    const staleCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie: fresh.cookie, 'x-csrf-token': first.csrfToken },
      payload: { name: 'x', expiresInDays: 1 },
    });
    expect(staleCsrf.statusCode).toBe(403);
    expect(staleCsrf.json()).toMatchObject({ error: 'csrf_failed' });
  });

  it('ends with sign-out: the cookie is cleared and no longer accepted', async () => {
    const session = await signIn(t.app);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.headers });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((entry) => entry.name === 'exotrial_session');
    expect(cleared?.value ?? '').toBe('');
    expect((await me(session.headers)).statusCode).toBe(401);
  });
});
