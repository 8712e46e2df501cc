import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createApiToken, revokeApiToken } from '../../src/auth/api-token.service.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import {
  installAuthentication,
  type RouteEntry,
  registerPublic,
  routeTable,
} from '../../src/kernel/authentication.ts';
import type { App } from '../../src/kernel/context.ts';
import { roles } from '../../src/kernel/roles.ts';
import { buildApp, isClientRoute } from '../../src/server/app.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { ADMIN, describeEachDatabase, freshTarget, signIn, testConfig } from '../support/test-app.ts';

// Thousands of real HTTP requests per database: allow for a loaded machine.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 300_000 });

/** A value for each path parameter; refused calls never reach the handler, so any well-formed value does. */
function concreteUrl(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    if (name === 'siteId') return 'spelling-site';
    if (name === 'sessionId') return 'a'.repeat(64);
    if (name === 'domain') return 'dm';
    return '00000000-0000-4000-8000-000000000000';
  });
}

/**
 * Spellings of one path that a server could take for the same route: what an outsider tries when a
 * check looks at the path text. Each must still be refused (or not found) without credentials.
 */
function spellings(path: string): Array<{ name: string; path: string }> {
  const segments = path.split('/').slice(1);
  const last = segments.length - 1;
  const encodeFirstLetter = (segment: string) =>
    segment.replace(/[A-Za-z]/, (letter) => `%${letter.charCodeAt(0).toString(16)}`);
  const join = (parts: string[]) => `/${parts.join('/')}`;
  const withLast = (value: string) => join([...segments.slice(0, last), value]);
  const lastSegment = segments[last] ?? '';
  return [
    { name: 'as declared', path },
    {
      name: 'first letter percent-encoded',
      path: join([encodeFirstLetter(segments[0] ?? ''), ...segments.slice(1)]),
    },
    { name: 'last segment letter percent-encoded', path: withLast(encodeFirstLetter(lastSegment)) },
    { name: 'every letter of api percent-encoded', path: path.replace(/^\/api\//, '/%61%70%69/') },
    { name: 'upper case', path: path.toUpperCase() },
    { name: 'mixed case', path: path.replace(/^\/api\//, '/Api/').replace(/\/v1\//, '/V1/') },
    { name: 'doubled leading slash', path: `/${path}` },
    { name: 'doubled inner slash', path: path.replace('/v1/', '//v1/') },
    { name: 'trailing slash', path: `${path}/` },
    { name: 'dot segment', path: withLast(`x/../${lastSegment}`) },
    { name: 'encoded dot segment', path: withLast(`x/%2e%2e/${lastSegment}`) },
    { name: 'single dot segment', path: path.replace('/v1/', '/./v1/') },
    { name: 'encoded slash', path: path.replace('/v1/', '%2Fv1/') },
    { name: 'encoded slash, lower case', path: path.replace(/\/([^/]*)$/, '%2f$1') },
    { name: 'semicolon parameter', path: `${path};jsessionid=1` },
    { name: 'semicolon in the first segment', path: path.replace('/v1/', ';x=1/v1/') },
  ];
}

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request: inject() would normalise the path (WHATWG URL), a real client need not. */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  const body = ['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) ? undefined : '{}';
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Runs the calls `width` at a time. */
async function inBatches<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += width) {
    await Promise.all(items.slice(start, start + width).map(run));
  }
}

// On both databases like the other API tests: the stale cookie and the revoked token are refused
// by database look-ups, and those are what this test leans on besides the router.
describeEachDatabase('every route, every spelling, no way in without signing in', (kind) => {
  let app: App;
  let database: Database;
  let port: number;
  let studyId: string;
  let webDir: string;
  let dispose: () => Promise<void>;
  const credentials: Record<string, Record<string, string>> = { none: {} };
  const figures = { routes: 0, requests: 0, unauthenticated: 0, notFound: 0, other: 0 };

  beforeAll(async () => {
    // A built web app, so the static files and the page fallback are part of the route table.
    webDir = mkdtempSync(join(tmpdir(), 'exotrial-web-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>exotrial</title>');
    writeFileSync(join(webDir, 'assets', 'app.js'), 'console.log("app")');
    const target = await freshTarget(kind);
    dispose = target.dispose;
    const config = testConfig(target.target, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    });
    database = await openDatabase(target.target);
    const logger = pino({ level: 'silent' });
    ({ studyId } = await bootstrap(database, config, logger));
    app = await buildApp({ config, database, studyId }, { logger, webDir });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;

    // A session that has ended: signed in, then signed out. Its CSRF token goes along on writes, so
    // the session itself is what gets refused.
    const ended = await signIn(app);
    const logout = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: ended.headers });
    expect(logout.statusCode, logout.body).toBeLessThan(300);
    credentials['ended session cookie'] = ended.headers;

    // A revoked token of someone holding every role: were it accepted, every route would answer.
    const revoked = await database.transaction(async (trx) => {
      const user = await createUser(trx, studyId, systemActor('spelling'), {
        email: 'every-role@example.org',
        name: 'Every Role',
        roles: [...roles],
        siteIds: [],
        password: 'spelling password long enough',
      });
      const token = await createApiToken(
        trx,
        studyId,
        systemActor('spelling'),
        user,
        { name: 'spelling' },
        {
          default: 90,
          max: 365,
        },
      );
      await revokeApiToken(trx, studyId, systemActor('spelling'), token.tokenId, undefined);
      return token.token;
    });
    credentials['revoked API token'] = { authorization: `Bearer ${revoked}` };
  });

  afterAll(async () => {
    console.info(
      `[${kind}] route spelling: ${figures.routes} non-public routes, ${figures.requests} requests; ` +
        `401 ${figures.unauthenticated}, 404 ${figures.notFound}, other 4xx ${figures.other}`,
    );
    await app?.close();
    await database?.close();
    await dispose?.();
    rmSync(webDir, { recursive: true, force: true });
  });

  const nonPublic = (): RouteEntry[] => routeTable(app).filter((route) => route.config.public !== true);

  it('has every route in its table, the documentation and web files public, every other one with a permission', () => {
    const table = routeTable(app);
    const publicUrls = table.filter((route) => route.config.public === true).map((route) => route.url);
    expect(publicUrls).toContain('/api/docs');
    expect(publicUrls).toContain('/api/docs/json');
    expect(publicUrls).toContain('/assets/*');
    expect(publicUrls).toContain('/api/v1/auth/login');
    for (const route of nonPublic())
      expect(route.config.permission, `${route.method} ${route.url}`).toBeTruthy();
    expect(nonPublic().length).toBeGreaterThan(100);
  });

  it('answers no spelling of any non-public route with a 2xx or 3xx, with no, ended or revoked credentials', async () => {
    const failures: string[] = [];
    const calls: Array<{ route: RouteEntry; spelling: string; path: string; credential: string }> = [];
    for (const route of nonPublic()) {
      figures.routes += 1;
      for (const spelling of spellings(concreteUrl(route.url))) {
        for (const credential of Object.keys(credentials)) {
          calls.push({ route, spelling: spelling.name, path: spelling.path, credential });
        }
      }
    }
    await inBatches(calls, 16, async (call) => {
      const answer = await send(port, call.route.method, call.path, credentials[call.credential] ?? {});
      figures.requests += 1;
      if (answer.status === 401) figures.unauthenticated += 1;
      else if (answer.status === 404) figures.notFound += 1;
      else figures.other += 1;
      if (answer.status < 400 || answer.status >= 500) {
        failures.push(
          `${call.route.method} ${call.path} (${call.spelling}, ${call.credential}) → ${answer.status}`,
        );
      }
    });
    expect(failures).toEqual([]);
    // Not vacuous: every route was sent in every spelling with every credential, and the spellings
    // the router maps onto the route (the decoded ones) reached the authentication check.
    const spellingCount = spellings('/api/v1/x').length;
    expect(figures.requests).toBe(figures.routes * spellingCount * Object.keys(credentials).length);
    expect(figures.requests).toBeGreaterThan(5000);
    expect(figures.unauthenticated).toBeGreaterThan(figures.routes * 3 * 2);
  });

  it('refuses the percent-encoded spellings of the reported routes with 401, not just 404', async () => {
    for (const path of [
      '/%61pi/v1/sites',
      '/%61pi/v1/sessions',
      '/api/v1/%73ites',
      '/%61%70%69/v1/admin/tokens',
    ]) {
      const answer = await send(port, 'GET', path, {});
      expect(answer.status, path).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'unauthenticated' });
    }
  });

  it('answers an unknown API path in any spelling with a JSON 404 that echoes nothing, and pages with the app', async () => {
    for (const path of [
      '/api/v1/no-such-thing-4711',
      '/API/v1/no-such-thing-4711',
      '/%61pi/v1/no-such-thing-4711',
      '//api/v1/sites',
    ]) {
      const answer = await send(port, 'GET', path, {});
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('4711');
      expect(answer.body).not.toContain('sites');
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'not_found' });
    }
    const page = await send(port, 'GET', '/participants/00000000-0000-4000-8000-000000000000', {});
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>exotrial</title>');
    const missingScript = await send(port, 'GET', '/assets/missing.js', {});
    expect(missingScript.status).toBe(404);
  });
});

describe('route declarations', () => {
  // These routes are never called: a resolver that knows no credentials is enough.
  const noCallers = { byApiToken: async () => null, bySessionCookie: async () => null };

  async function bareApp(): Promise<App> {
    const { default: Fastify } = await import('fastify');
    const app = Fastify() as unknown as App;
    await app.register((await import('@fastify/cookie')).default);
    installAuthentication(app, noCallers);
    return app;
  }

  it('stops the start of a route that declares neither public nor a permission, or both', async () => {
    const app = await bareApp();
    expect(() => app.get('/api/v1/open', async () => 'open')).toThrow(
      /declares neither config.public nor config.permission/,
    );
    expect(() =>
      app.get('/api/v1/both', { config: { public: true, permission: 'study.read' } }, async () => 'both'),
    ).toThrow(/both public: true and a permission/);
    app.get('/api/v1/declared', { config: { permission: 'study.read' } }, async () => 'declared');
    await app.close();
  });

  it('marks the routes of a public scope public, where the plugin is registered', async () => {
    const app = await bareApp();
    await registerPublic(app, async (scope) => {
      scope.get('/docs/page', async () => 'page');
      await scope.register(async (nested) => {
        nested.get('/docs/nested', async () => 'nested');
      });
    });
    await app.ready();
    const declared = routeTable(app).map(
      (route) => `${route.method} ${route.url} ${route.config.public === true}`,
    );
    expect(declared).toEqual(
      expect.arrayContaining(['GET /docs/page true', 'HEAD /docs/page true', 'GET /docs/nested true']),
    );
    expect((await app.inject({ url: '/docs/nested' })).body).toBe('nested');
    await app.close();
  });

  it('takes a path as a page of the web app only when, decoded, it has no hidden separator or dot segment and is not under /api or /assets', () => {
    expect(isClientRoute('/participants/00000000-0000-4000-8000-000000000000?tab=forms')).toBe(true);
    expect(isClientRoute('/')).toBe(true);
    expect(isClientRoute('/product/lots/LOT%202026%C3%A9')).toBe(true);
    for (const path of [
      '/API/v1/sites',
      '/%61pi/v1/sites',
      '//api/v1',
      '/x/../api',
      '/a;b',
      '/assets/x.js',
      '/Assets/x',
      '/%41PI/v1/sites',
      '/sites%2F..%2Fapi',
      '/%2e%2e/api',
      '/a%ZZ',
      '/a\\b',
    ]) {
      expect(isClientRoute(path), path).toBe(false);
    }
  });
});
