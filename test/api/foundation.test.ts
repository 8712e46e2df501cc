import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, migrateToLatest } from '../../src/db/migrate.ts';
import * as scaleIndexes from '../../src/db/migrations/2026_11_25_07_scale_indexes.ts';
import { ADMIN, createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';

describeEachDatabase('foundation API', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('answers health with the database kind and version', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      database: kind,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(response.headers['x-request-id']).toBeTruthy();
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('loads the default protocol into the empty database on first start', async () => {
    const study = await t.database.read((db) => db.selectFrom('study').selectAll().execute());
    expect(study.map((s) => s.study_id)).toEqual([t.studyId]);
    expect(t.setupSecret).toMatch(/^[\w-]{40,}$/);
  });

  describe('first administrator through the setup link', () => {
    it('says setup is needed', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/setup' });
      expect(response.json()).toEqual({ needed: true });
    });

    it('refuses a wrong link', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        payload: { ...ADMIN, token: 'not-the-token-at-all' },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toBe('forbidden');
    });

    it('refuses a short password, naming the field', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/setup',
        payload: { ...ADMIN, password: 'short', token: t.setupSecret },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        error: 'validation_failed',
        details: { fields: [{ field: 'body.password', message: expect.stringContaining('12') }] },
      });
    });

    it('creates the administrator once', async () => {
      const payload = { ...ADMIN, token: t.setupSecret };
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/setup', payload });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        email: ADMIN.email,
        roles: ['administrator'],
        status: 'active',
      });
      const again = await t.app.inject({ method: 'POST', url: '/api/v1/setup', payload });
      expect(again.statusCode).toBe(403);
      const status = await t.app.inject({ method: 'GET', url: '/api/v1/setup' });
      expect(status.json()).toEqual({ needed: false });
    });
  });

  describe('sign-in', () => {
    it('refuses a wrong password with 401 and audits the attempt', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: ADMIN.email, password: 'wrong password here' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'unauthenticated',
        message:
          'The email or password is not correct, or the account is locked after too many failed attempts; ' +
          'ask an administrator if this persists.',
      });
      const failed = await t.database.read((db) =>
        db.selectFrom('audit_event').selectAll().where('action', '=', 'auth.login_failed').execute(),
      );
      expect(failed).toHaveLength(1);
      expect(JSON.stringify(failed[0])).not.toContain('wrong password here');
    });

    it('sets an httpOnly SameSite=Strict cookie and returns the user and CSRF token', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: ADMIN.email.toUpperCase(), password: ADMIN.password },
      });
      expect(response.statusCode).toBe(200);
      const cookie = response.cookies.find((c) => c.name === 'exotrial_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(response.json()).toMatchObject({ user: { email: ADMIN.email }, csrfToken: expect.any(String) });
    });

    it('needs a session for the study overview', async () => {
      const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/study' });
      expect(anonymous.statusCode).toBe(401);
      const { headers } = await signIn(t.app);
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/study', headers });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        studyId: t.studyId,
        protocolVersion: { number: 1 },
        sites: [expect.objectContaining({ siteId: expect.any(String), name: expect.any(Object) })],
        counts: { users: 1 },
      });
    });

    it('logs out only with the CSRF token, after which the cookie is dead', async () => {
      const session = await signIn(t.app);
      const withoutCsrf = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { cookie: session.cookie },
      });
      expect(withoutCsrf.statusCode).toBe(403);
      expect(withoutCsrf.json().error).toBe('csrf_failed');
      const out = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: session.headers,
      });
      expect(out.statusCode).toBe(204);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.headers });
      expect(me.statusCode).toBe(401);
      expect(me.json().message).toContain('Sign in again');
    });
  });

  describe('bad requests get 4xx with a message, never 500', () => {
    it('malformed JSON', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": ',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        error: 'bad_request',
        message: expect.stringContaining('JSON'),
      });
    });

    it('wrong types list each bad field', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 42, password: ['x'] },
      });
      expect(response.statusCode).toBe(400);
      const fields = response.json().details.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.password']));
    });

    it('an unknown API route', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        error: 'not_found',
        message: expect.stringContaining('/api/docs'),
      });
    });

    it('a too-large body', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'a@b.org', password: 'x'.repeat(t.config.bodyLimitBytes) }),
      });
      expect(response.statusCode).toBe(413);
      expect(response.json().error).toBe('payload_too_large');
    });

    it('an unsupported media type', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'text/xml' },
        payload: '<login/>',
      });
      expect(response.statusCode).toBe(415);
    });
  });

  it('serves the OpenAPI document generated from the schemas', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    const login = document.paths['/api/v1/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.properties).toHaveProperty('email');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/health', '/api/v1/study', '/api/v1/setup', '/api/v1/auth/logout']),
    );
  });

  describe('audit trail', () => {
    it('chains every event to the one before, gapless', async () => {
      const events = await t.database.read((db) =>
        db.selectFrom('audit_event').selectAll().where('study_id', '=', t.studyId).orderBy('seq').execute(),
      );
      expect(events.length).toBeGreaterThan(5);
      events.forEach((event, index) => {
        expect(event.seq).toBe(index + 1);
        if (index > 0) expect(event.prev_hash).toBe(events[index - 1]?.hash);
      });
      expect(events.map((e) => e.action)).toEqual(
        expect.arrayContaining(['study.create', 'protocol.load', 'user.create', 'auth.login', 'auth.logout']),
      );
    });

    it('refuses UPDATE and DELETE on audit_event', async () => {
      await expect(
        t.database.transaction((trx) => sql`update audit_event set reason = 'x' where seq = 1`.execute(trx)),
      ).rejects.toThrow(/append-only/);
      await expect(
        t.database.transaction((trx) => sql`delete from audit_event where seq = 1`.execute(trx)),
      ).rejects.toThrow(/append-only/);
    });
  });

  it('runs a migration numbered before one the database already ran (migrations landed side by side)', async () => {
    await t.database.transaction(async (trx) => {
      await scaleIndexes.down(trx);
      await sql`delete from kysely_migration where name = '2026_11_25_07_scale_indexes'`.execute(trx);
    });
    expect(await migrateToLatest(t.database.kysely)).toEqual(['2026_11_25_07_scale_indexes']);
    const index = await t.database.read((db) =>
      sql<{ present: boolean }>`select to_regclass('participant_list_order') is not null as present`.execute(
        db,
      ),
    );
    expect(index.rows[0]?.present).toBe(true);
  });

  it('refuses to run on a database at a newer migration', async () => {
    await t.database.transaction((trx) =>
      sql`insert into kysely_migration (name, timestamp) values ('2999_01_01_01_future', now())`.execute(trx),
    );
    await expect(migrateToLatest(t.database.kysely)).rejects.toThrow(DatabaseTooNewError);
    await expect(migrateToLatest(t.database.kysely)).rejects.toThrow(
      /2999_01_01_01_future.*Upgrade exotrial/,
    );
  });
});

describeEachDatabase('administrator from the environment', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'script@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'tall ships sail at dawn',
    });
  });
  afterAll(async () => t?.close());

  it('creates the first administrator and issues no setup link', async () => {
    expect(t.setupSecret).toBeNull();
    const { headers } = await signIn(t.app, 'script@example.org', 'tall ships sail at dawn');
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
    expect(me.json().user).toMatchObject({ email: 'script@example.org', roles: ['administrator'] });
  });
});
