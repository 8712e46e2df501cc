import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount } from '../support/accounts.ts';
import {
  ADMIN,
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';

const PASSWORD = 'a sufficiently long password';
const SECRET_KEY = 'ab'.repeat(32);

describeEachDatabase('identity: users, tokens, lockout, sessions, TOTP', (kind) => {
  let t: TestApp;
  let admin: SignedIn;
  let siteId: string;
  const users: Record<string, { userId: string; email: string }> = {};

  const inject = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const auditCount = async (action: string) =>
    (
      await t.database.read((db) =>
        db.selectFrom('audit_event').select('seq').where('action', '=', action).execute(),
      )
    ).length;
  const login = (email: string, password: string, totp?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password, ...(totp ? { totp } : {}) },
    });

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
      EXOTRIAL_LOCKOUT_ATTEMPTS: '3',
      EXOTRIAL_SECRET_KEY: SECRET_KEY,
    });
    admin = await signIn(t.app);
    const study = await inject('GET', '/api/v1/study', admin.headers);
    siteId = study.json().sites[0].siteId;
    for (const [key, roles] of [
      ['investigator', ['investigator']],
      ['coordinator', ['study_coordinator']],
      ['locked', ['monitor']],
      ['totp', ['data_manager']],
    ] as const) {
      users[key] = await addAccount(t.app, admin.headers, {
        email: `${key}@example.org`,
        name: key,
        roles: [...roles],
        siteIds: [siteId],
        password: PASSWORD,
      });
    }
    // Each account's creation and first password change is several argon2 hashes.
  }, 300_000);
  afterAll(async () => t?.close());

  describe('passwords', () => {
    it('refuses a common password, a dressed-up one, and a short one', async () => {
      for (const password of ['Password2024!', 'qwerty123456', 'passwordpassword', 'short']) {
        const response = await inject('POST', '/api/v1/users', admin.headers, {
          email: 'weak@example.org',
          name: 'Weak',
          roles: ['monitor'],
          password,
        });
        expect(response.statusCode).toBe(400);
        expect(JSON.stringify(response.json().details)).toMatch(/commonly used|at least 12/);
      }
    });
  });

  describe('API tokens', () => {
    let investigator: SignedIn;
    let token: string;
    let tokenId: string;

    it('issues a token once; only its prefix is listed after', async () => {
      investigator = await signIn(t.app, 'investigator@example.org', PASSWORD);
      const created = await inject('POST', '/api/v1/tokens', investigator.headers, {
        name: 'nightly export',
        password: PASSWORD,
      });
      expect(created.statusCode, created.body).toBe(201);
      ({ token, tokenId } = created.json());
      expect(token).toMatch(/^exo_[\w-]{43}$/);
      const list = await inject('GET', '/api/v1/tokens', investigator.headers);
      expect(list.json()).toEqual([
        expect.objectContaining({ tokenId, name: 'nightly export', revokedAt: null }),
      ]);
      expect(list.body).not.toContain(token);
      const stored = await t.database.read((db) => db.selectFrom('api_token').selectAll().execute());
      expect(JSON.stringify(stored)).not.toContain(token);
      expect(await auditCount('token.issue')).toBe(1);
    });

    it('works as Authorization: Bearer on reads and on writes without a CSRF token', async () => {
      const study = await inject('GET', '/api/v1/study', bearer(token));
      expect(study.statusCode).toBe(200);
      const second = await inject('POST', '/api/v1/tokens', bearer(token), {
        name: 'second',
        password: PASSWORD,
      });
      expect(second.statusCode).toBe(201);
      const events = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .selectAll()
          .where('action', '=', 'token.issue')
          .orderBy('seq', 'desc')
          .execute(),
      );
      expect(events[0]?.actor_label).toMatch(/^investigator@example.org \(token /);
    });

    it('refuses unknown, malformed and revoked tokens with 401', async () => {
      expect((await inject('GET', '/api/v1/study', bearer('exo_not-a-real-token'))).statusCode).toBe(401);
      expect((await inject('GET', '/api/v1/study', { authorization: 'Basic abc' })).statusCode).toBe(401);
      const revoke = await inject('DELETE', `/api/v1/tokens/${tokenId}`, investigator.headers);
      expect(revoke.statusCode).toBe(204);
      const after = await inject('GET', '/api/v1/study', bearer(token));
      expect(after.statusCode).toBe(401);
      expect(after.json().message).toContain('revoked');
      expect((await inject('DELETE', `/api/v1/tokens/${tokenId}`, investigator.headers)).statusCode).toBe(
        404,
      );
    });

    it('refuses the token of a disabled user, and roles without token.own', async () => {
      const created = await inject('POST', '/api/v1/tokens', investigator.headers, {
        name: 'to be disabled',
        password: PASSWORD,
      });
      const secret = created.json().token as string;
      const current = (await inject('GET', '/api/v1/users', admin.headers))
        .json()
        .find((user: { email: string }) => user.email === 'investigator@example.org');
      const disable = await inject('PATCH', `/api/v1/users/${current.userId}`, admin.headers, {
        version: current.version,
        status: 'disabled',
        reason: 'left the study',
      });
      expect(disable.statusCode, disable.body).toBe(200);
      expect((await inject('GET', '/api/v1/study', bearer(secret))).statusCode).toBe(401);
      expect((await inject('GET', '/api/v1/auth/me', investigator.headers)).statusCode).toBe(401);
      const enable = await inject('PATCH', `/api/v1/users/${current.userId}`, admin.headers, {
        version: disable.json().version,
        status: 'active',
        reason: 'returned',
      });
      expect(enable.statusCode).toBe(200);
      const coordinator = await signIn(t.app, 'coordinator@example.org', PASSWORD);
      const refused = await inject('POST', '/api/v1/tokens', coordinator.headers, {
        name: 'x',
        password: PASSWORD,
      });
      expect(refused.statusCode).toBe(403);
    });

    it('lets an administrator list and revoke anyone’s token', async () => {
      // Disabling the investigator revoked their tokens: a new one, after the account came back.
      investigator = await signIn(t.app, 'investigator@example.org', PASSWORD);
      const fresh = await inject('POST', '/api/v1/tokens', investigator.headers, {
        name: 'after return',
        password: PASSWORD,
      });
      expect(fresh.statusCode, fresh.body).toBe(201);
      const all = await inject('GET', '/api/v1/admin/tokens', admin.headers);
      const active = all.json().filter((item: { revokedAt: string | null }) => item.revokedAt === null);
      expect(active.length).toBeGreaterThan(0);
      const revoke = await inject('DELETE', `/api/v1/tokens/${active[0].tokenId}`, admin.headers);
      expect(revoke.statusCode).toBe(204);
    });
  });

  describe('lockout', () => {
    it('locks after 3 failures, refuses even the right password with the answer an unknown account gets, audits each', async () => {
      const before = await auditCount('auth.login_failed');
      const unknown = await login('nobody@example.org', 'wrong password 0');
      expect(unknown.statusCode).toBe(401);
      expect(unknown.json().error).toBe('unauthenticated');
      expect((await login('locked@example.org', 'wrong password 1')).body).toBe(unknown.body);
      expect((await login('locked@example.org', 'wrong password 2')).body).toBe(unknown.body);
      // The failure that locks, and the right password after it: nothing tells the account is locked.
      const third = await login('locked@example.org', 'wrong password 3');
      expect(third.statusCode).toBe(401);
      expect(third.body).toBe(unknown.body);
      const right = await login('locked@example.org', PASSWORD);
      expect(right.statusCode).toBe(401);
      expect(right.body).toBe(unknown.body);
      expect(await auditCount('auth.login_failed')).toBe(before + 5);
      expect(await auditCount('auth.lockout')).toBe(1);
      // The trail keeps the true reason of each refusal.
      const reasons = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select('context')
          .where('action', '=', 'auth.login_failed')
          .where('entity_id', '=', users.locked?.userId ?? '')
          .orderBy('seq')
          .execute(),
      );
      expect(reasons.map((event) => (event.context as { reason: string }).reason)).toEqual([
        'bad_password',
        'bad_password',
        'bad_password',
        'locked',
      ]);
    });

    it('an administrator lifts the lock (with a reason), and the user signs in', async () => {
      const listed = (await inject('GET', '/api/v1/users', admin.headers))
        .json()
        .find((user: { email: string }) => user.email === 'locked@example.org');
      expect(listed.lockedUntil).not.toBeNull();
      const noReason = await inject('PATCH', `/api/v1/users/${listed.userId}`, admin.headers, {
        version: listed.version,
        unlock: true,
      });
      expect(noReason.statusCode).toBe(400);
      const unlock = await inject('PATCH', `/api/v1/users/${listed.userId}`, admin.headers, {
        version: listed.version,
        unlock: true,
        reason: 'verified by phone',
      });
      expect(unlock.statusCode, unlock.body).toBe(200);
      expect((await login('locked@example.org', PASSWORD)).statusCode).toBe(200);
    });
  });

  describe('user administration', () => {
    it('audits a role change with old and new value and reason; a stale version gets 409', async () => {
      const listed = (await inject('GET', '/api/v1/users', admin.headers))
        .json()
        .find((user: { email: string }) => user.email === 'coordinator@example.org');
      const change = await inject('PATCH', `/api/v1/users/${listed.userId}`, admin.headers, {
        version: listed.version,
        roles: ['study_coordinator', 'pharmacist'],
        reason: 'delegation log updated',
      });
      expect(change.statusCode, change.body).toBe(200);
      expect(change.json()).toMatchObject({
        roles: ['study_coordinator', 'pharmacist'],
        version: listed.version + 1,
      });
      const stale = await inject('PATCH', `/api/v1/users/${listed.userId}`, admin.headers, {
        version: listed.version,
        roles: ['monitor'],
        reason: 'stale',
      });
      expect(stale.statusCode).toBe(409);
      const event = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .selectAll()
          .where('action', '=', 'user.update')
          .where('entity_id', '=', listed.userId)
          .where('field', '=', 'roles')
          .executeTakeFirstOrThrow(),
      );
      expect(event).toMatchObject({
        old_value: ['study_coordinator'],
        new_value: ['study_coordinator', 'pharmacist'],
        reason: 'delegation log updated',
        actor_label: ADMIN.email,
      });
    });

    it('keeps the last administrator', async () => {
      const me = (await inject('GET', '/api/v1/users', admin.headers))
        .json()
        .find((user: { email: string }) => user.email === ADMIN.email);
      const response = await inject('PATCH', `/api/v1/users/${me.userId}`, admin.headers, {
        version: me.version,
        roles: ['monitor'],
        reason: 'oops',
      });
      expect(response.statusCode).toBe(409);
    });

    it('resets a password: old sessions end, the new password works', async () => {
      const session = await signIn(t.app, 'coordinator@example.org', PASSWORD);
      const reset = await inject(
        'POST',
        `/api/v1/users/${users.coordinator?.userId}/password`,
        admin.headers,
        {
          password: 'another quite long passphrase',
          reason: 'forgotten',
        },
      );
      expect(reset.statusCode, reset.body).toBe(204);
      expect((await inject('GET', '/api/v1/auth/me', session.headers)).statusCode).toBe(401);
      expect((await login('coordinator@example.org', 'another quite long passphrase')).statusCode).toBe(200);
      const event = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .selectAll()
          .where('action', '=', 'user.password_reset')
          .executeTakeFirstOrThrow(),
      );
      expect(JSON.stringify(event)).not.toContain('another quite long passphrase');
    });
  });

  describe('sessions', () => {
    it('rotates the session on sign-in: the cookie sent along ends', async () => {
      const first = await signIn(t.app, 'locked@example.org', PASSWORD);
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { cookie: first.cookie },
        payload: { email: 'locked@example.org', password: PASSWORD },
      });
      expect(again.statusCode).toBe(200);
      expect((await inject('GET', '/api/v1/auth/me', first.headers)).statusCode).toBe(401);
    });

    it('lists who is signed in and ends one session', async () => {
      const victim = await signIn(t.app, 'locked@example.org', PASSWORD);
      const list = await inject('GET', '/api/v1/sessions', admin.headers);
      expect(list.statusCode).toBe(200);
      const open = list.json().filter((session: { email: string }) => session.email === 'locked@example.org');
      expect(open.length).toBeGreaterThan(0);
      for (const session of open) {
        expect(
          (await inject('DELETE', `/api/v1/sessions/${session.sessionId}`, admin.headers)).statusCode,
        ).toBe(204);
      }
      expect((await inject('GET', '/api/v1/auth/me', victim.headers)).statusCode).toBe(401);
    });

    it('ends a session left idle past the limit', async () => {
      const idle = await signIn(t.app, 'locked@example.org', PASSWORD);
      const idleMinutes = t.config.sessionIdleMinutes;
      await t.database.transaction((trx) =>
        trx
          .updateTable('user_session')
          .set({ last_seen_at: new Date(Date.now() - (idleMinutes + 1) * 60_000) })
          .where('revoked_at', 'is', null)
          .where('csrf_token', '=', idle.csrfToken)
          .execute(),
      );
      const me = await inject('GET', '/api/v1/auth/me', idle.headers);
      expect(me.statusCode).toBe(401);
      expect(me.json().message).toContain('Sign in again');
    });

    it('signs out everywhere', async () => {
      const a = await signIn(t.app, 'locked@example.org', PASSWORD);
      const b = await signIn(t.app, 'locked@example.org', PASSWORD);
      const out = await inject('POST', '/api/v1/auth/logout-everywhere', a.headers);
      expect(out.statusCode).toBe(200);
      expect(out.json().sessionsEnded).toBeGreaterThanOrEqual(2);
      expect((await inject('GET', '/api/v1/auth/me', a.headers)).statusCode).toBe(401);
      expect((await inject('GET', '/api/v1/auth/me', b.headers)).statusCode).toBe(401);
    });
  });

  describe('TOTP', () => {
    let session: SignedIn;
    let secret: string;

    it('enrols: secret and otpauth URI once, confirmed with a code; stored sealed', async () => {
      session = await signIn(t.app, 'totp@example.org', PASSWORD);
      const enrol = await inject('POST', '/api/v1/account/totp/enrol', session.headers);
      expect(enrol.statusCode, enrol.body).toBe(200);
      ({ secret } = enrol.json());
      expect(enrol.json().otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
      expect(
        (
          await inject('POST', '/api/v1/account/totp/confirm', session.headers, {
            code: '000000',
            password: PASSWORD,
          })
        ).statusCode,
      ).toBe(400);
      const code = await generate({ secret });
      // A session alone cannot give itself a second factor: the password is asked for.
      const noPassword = await inject('POST', '/api/v1/account/totp/confirm', session.headers, { code });
      expect(noPassword.statusCode).toBe(400);
      const wrongPassword = await inject('POST', '/api/v1/account/totp/confirm', session.headers, {
        code,
        password: 'not my password at all',
      });
      expect(wrongPassword.statusCode).toBe(401);
      expect(await auditCount('signature.failed')).toBe(1);
      const confirm = await inject('POST', '/api/v1/account/totp/confirm', session.headers, {
        code,
        password: PASSWORD,
      });
      expect(confirm.statusCode, confirm.body).toBe(204);
      const row = await t.database.read((db) =>
        db
          .selectFrom('app_user')
          .select(['totp_secret'])
          .where('email', '=', 'totp@example.org')
          .executeTakeFirstOrThrow(),
      );
      expect(row.totp_secret).toMatch(/^gcm1:/);
      expect(row.totp_secret).not.toContain(secret);
      expect((await inject('GET', '/api/v1/auth/me', session.headers)).json().totpEnabled).toBe(true);
    });

    it('asks for the code at sign-in, refuses a wrong or replayed one', async () => {
      const without = await login('totp@example.org', PASSWORD);
      expect(without.statusCode).toBe(401);
      expect(without.json().details).toEqual({ totpRequired: true });
      expect((await login('totp@example.org', PASSWORD, '123456')).statusCode).toBe(401);
      const nextStep = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
      expect((await login('totp@example.org', PASSWORD, nextStep)).statusCode).toBe(200);
      expect((await login('totp@example.org', PASSWORD, nextStep)).statusCode).toBe(401);
    });

    it('an administrator resets a lost second factor', async () => {
      const reset = await inject('POST', `/api/v1/users/${users.totp?.userId}/totp/reset`, admin.headers, {
        reason: 'phone lost',
      });
      expect(reset.statusCode, reset.body).toBe(204);
      expect((await login('totp@example.org', PASSWORD)).statusCode).toBe(200);
    });
  });
});

describeEachDatabase('administrators must use TOTP', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_ADMIN_TOTP_REQUIRED: 'true',
    });
  });
  afterAll(async () => t?.close());

  it('lets the administrator only enrol until the second factor is set up', async () => {
    const session = await signIn(t.app);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: session.headers });
    expect(me.json()).toMatchObject({ totpEnrolmentRequired: true, totpEnabled: false });
    const users = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: session.headers });
    expect(users.statusCode).toBe(403);
    expect(users.json().details).toEqual({ totpEnrolmentRequired: true });
    const enrol = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/totp/enrol',
      headers: session.headers,
    });
    const code = await generate({ secret: enrol.json().secret });
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/totp/confirm',
      headers: session.headers,
      payload: { code, password: ADMIN.password },
    });
    expect(confirm.statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: session.headers });
    expect(after.statusCode).toBe(200);
  });
});

describeEachDatabase('rate limits on sign-in and token issue', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '3',
      EXOTRIAL_LOCKOUT_ATTEMPTS: '100',
    });
  });
  afterAll(async () => t?.close());

  it('answers 429 rate_limited past the limit per minute', async () => {
    const session = await signIn(t.app);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: ADMIN.email, password: `wrong password ${attempt}` },
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) expect(response.json().error).toBe('rate_limited');
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
    const tokens: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: session.headers,
        payload: { name: `token ${attempt}`, password: ADMIN.password },
      });
      tokens.push(response.statusCode);
    }
    expect(tokens).toEqual([201, 201, 201, 429]);
  });
});
