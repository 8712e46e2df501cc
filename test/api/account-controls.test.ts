import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { addAccount, FIRST_PASSWORD } from '../support/accounts.ts';
import {
  ADMIN,
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';

const PASSWORD = 'a password of my own choosing';
const DAY = 86_400_000;

// Every password here is hashed and checked with argon2 (19 MiB, by design slow): a busy machine
// needs more than the default minute for the tests that change a password several times.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

/**
 * 21 CFR 11.300 account controls: passwords only their owner knows (own change, forced change after
 * an administrator set one, no reuse of recent ones) and API tokens that end (password to mint,
 * expiry, last use, revocation when the account changes hands or rights).
 */
describeEachDatabase('account controls: own passwords, forced change, tokens that end', (kind) => {
  let t: TestApp;
  let admin: SignedIn;

  const inject = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const changePassword = (session: SignedIn, currentPassword: string, newPassword: string) =>
    inject('POST', '/api/v1/account/password', session.headers, { currentPassword, newPassword });
  const mint = (session: SignedIn, payload: object) =>
    inject('POST', '/api/v1/tokens', session.headers, payload);
  const events = (action: string, entityId?: string) =>
    t.database.read((db) => {
      let query = db.selectFrom('audit_event').selectAll().where('action', '=', action);
      if (entityId !== undefined) query = query.where('entity_id', '=', entityId);
      return query.orderBy('seq').execute();
    });
  const failedCount = async (email: string) =>
    (
      await t.database.read((db) =>
        db
          .selectFrom('app_user')
          .select('failed_login_count')
          .where('email', '=', email)
          .executeTakeFirstOrThrow(),
      )
    ).failed_login_count;
  const createByAdministrator = async (email: string, roles: string[] = ['data_manager']) => {
    const response = await inject('POST', '/api/v1/users', admin.headers, {
      email,
      name: email.split('@')[0],
      roles,
      password: FIRST_PASSWORD,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { userId: string };
  };
  /** A person with a password of their own, signed in, with one live API token. */
  const personWithToken = async (email: string, roles: string[] = ['data_manager']) => {
    const user = await addAccount(t.app, admin.headers, { email, name: email, roles, password: PASSWORD });
    const session = await signIn(t.app, email, PASSWORD);
    const created = await mint(session, { name: 'nightly export', password: PASSWORD });
    expect(created.statusCode, created.body).toBe(201);
    const token = created.json().token as string;
    expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(200);
    return { user, session, token, tokenId: created.json().tokenId as string };
  };
  const revocationCauses = async (tokenId: string) =>
    (await events('token.revoke', tokenId)).map((event) => (event.context as { cause?: string }).cause);

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
      EXOTRIAL_LOCKOUT_ATTEMPTS: '3',
    });
    admin = await signIn(t.app);
  });
  afterAll(async () => t?.close());

  describe('passwords only their owner knows', () => {
    it('holds an account the administrator created at the password change, then lets it in', async () => {
      const { userId } = await createByAdministrator('nurse@example.org');
      const [created] = await events('user.create', userId);
      expect(created?.context).toMatchObject({ mustChangePassword: true });
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'nurse@example.org', password: FIRST_PASSWORD },
      });
      expect(login.statusCode).toBe(200);
      expect(login.json().passwordChangeRequired).toBe(true);
      const nurse = await signIn(t.app, 'nurse@example.org', FIRST_PASSWORD);
      for (const url of ['/api/v1/study', '/api/v1/participants', '/api/v1/tokens']) {
        const refused = await inject('GET', url, nurse.headers);
        expect(refused.statusCode, url).toBe(403);
        expect(refused.json()).toMatchObject({ error: 'password_change_required' });
        expect(refused.json().message).toContain('change it first');
      }
      const me = await inject('GET', '/api/v1/auth/me', nurse.headers);
      expect(me.statusCode).toBe(200);
      expect(me.json().passwordChangeRequired).toBe(true);

      const changed = await changePassword(nurse, FIRST_PASSWORD, PASSWORD);
      expect(changed.statusCode, changed.body).toBe(200);
      expect((await inject('GET', '/api/v1/study', nurse.headers)).statusCode).toBe(200);
      expect((await inject('GET', '/api/v1/auth/me', nurse.headers)).json().passwordChangeRequired).toBe(
        false,
      );
      const [event] = await events('auth.password_changed', userId);
      expect(event?.context).toMatchObject({ required: true });
      const trail = JSON.stringify(
        await t.database.read((db) => db.selectFrom('audit_event').selectAll().execute()),
      );
      expect(trail).not.toContain(PASSWORD);
      expect(trail).not.toContain(FIRST_PASSWORD);
    });

    it('refuses a wrong current password with 401 and counts it toward the lockout', async () => {
      await addAccount(t.app, admin.headers, {
        email: 'pharmacist@example.org',
        name: 'Pharmacist',
        roles: ['pharmacist'],
        password: PASSWORD,
      });
      const session = await signIn(t.app, 'pharmacist@example.org', PASSWORD);
      const first = await changePassword(session, 'not my password at all', 'a brand new passphrase');
      expect(first.statusCode).toBe(401);
      expect(first.json().message).toContain('current password is not correct');
      expect(await failedCount('pharmacist@example.org')).toBe(1);
      const [failure] = await events('auth.password_check_failed');
      expect(failure?.context).toMatchObject({ purpose: 'password_change' });
      expect((await changePassword(session, 'still not it', 'a brand new passphrase')).statusCode).toBe(401);
      const third = await changePassword(session, 'wrong a third time', 'a brand new passphrase');
      expect(third.statusCode).toBe(423);
      expect(third.json()).toMatchObject({ error: 'locked', details: { lockedUntil: expect.any(String) } });
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'pharmacist@example.org', password: PASSWORD },
      });
      // Sign-in while locked answers as for an account that does not exist (no enumeration).
      const unknown = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'nobody@example.org', password: PASSWORD },
      });
      expect(login.statusCode).toBe(401);
      expect(login.body).toBe(unknown.body);
    });

    it('refuses a weak new password and any of the last five; an older one is allowed again', async () => {
      const { userId } = await addAccount(t.app, admin.headers, {
        email: 'observer@example.org',
        name: 'Monitor',
        roles: ['monitor'],
        password: 'monitor password number 0',
      });
      const session = await signIn(t.app, 'observer@example.org', 'monitor password number 0');
      for (const weak of ['short', 'passwordpassword', 'observer is my name here']) {
        const refused = await changePassword(session, 'monitor password number 0', weak);
        expect(refused.statusCode, weak).toBe(400);
        expect(refused.json().details.fields[0].field).toMatch(/newPassword/);
      }
      const same = await changePassword(session, 'monitor password number 0', 'monitor password number 0');
      expect(same.statusCode).toBe(400);
      expect(same.json().details.fields[0].message).toContain('one of your last 5 passwords');
      // The first password came from the administrator (helper): numbers 0 to 5 are this person's.
      for (let n = 1; n <= 5; n++) {
        const ok = await changePassword(
          session,
          `monitor password number ${n - 1}`,
          `monitor password number ${n}`,
        );
        expect(ok.statusCode, ok.body).toBe(200);
      }
      for (const recent of [1, 2, 3, 4, 5]) {
        const reused = await changePassword(
          session,
          'monitor password number 5',
          `monitor password number ${recent}`,
        );
        expect(reused.statusCode, `number ${recent}`).toBe(400);
      }
      const history = await t.database.read((db) =>
        db.selectFrom('password_history').select('password_hash').where('user_id', '=', userId).execute(),
      );
      expect(history).toHaveLength(4);
      expect(JSON.stringify(history)).not.toContain('monitor password');
      const older = await changePassword(session, 'monitor password number 5', 'monitor password number 0');
      expect(older.statusCode, older.body).toBe(200);
    });

    it('ends one’s other sessions and revokes one’s tokens on a change; this session goes on', async () => {
      const { session, token, tokenId } = await personWithToken('analyst@example.org');
      const other = await signIn(t.app, 'analyst@example.org', PASSWORD);
      const changed = await changePassword(session, PASSWORD, 'a fresh passphrase for work');
      // Two others end: `other`, and the first sign-in in which addAccount replaced the first password.
      expect(changed.json()).toEqual({ sessionsEnded: 2, tokensRevoked: 1 });
      expect((await inject('GET', '/api/v1/auth/me', other.headers)).statusCode).toBe(401);
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(401);
      expect((await inject('GET', '/api/v1/study', session.headers)).statusCode).toBe(200);
      expect(await revocationCauses(tokenId)).toEqual(['password_changed']);
    });

    it('an administrator’s reset revokes the tokens and holds the account at the password change', async () => {
      const { user, token, tokenId } = await personWithToken('forgetful@example.org');
      const reset = await inject('POST', `/api/v1/users/${user.userId}/password`, admin.headers, {
        password: 'a reset from the administrator',
        reason: 'forgotten',
      });
      expect(reset.statusCode, reset.body).toBe(204);
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(401);
      expect(await revocationCauses(tokenId)).toEqual(['password_reset']);
      const session = await signIn(t.app, 'forgetful@example.org', 'a reset from the administrator');
      const refused = await inject('GET', '/api/v1/study', session.headers);
      expect(refused.json().error).toBe('password_change_required');
      // The password the person had before the reset is among the recent ones.
      expect((await changePassword(session, 'a reset from the administrator', PASSWORD)).statusCode).toBe(
        400,
      );
      const changed = await changePassword(session, 'a reset from the administrator', 'mine again, and new');
      expect(changed.statusCode, changed.body).toBe(200);
      expect((await inject('GET', '/api/v1/study', session.headers)).statusCode).toBe(200);
    });
  });

  describe('API tokens that end', () => {
    it('asks for the password to mint: missing is 400, wrong is 401 and counts toward the lockout', async () => {
      await addAccount(t.app, admin.headers, {
        email: 'scripter@example.org',
        name: 'Scripter',
        roles: ['data_manager'],
        password: PASSWORD,
      });
      const session = await signIn(t.app, 'scripter@example.org', PASSWORD);
      const missing = await mint(session, { name: 'no password' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().details.fields[0].field).toMatch(/password/);
      const wrong = await mint(session, { name: 'wrong', password: 'not the password' });
      expect(wrong.statusCode).toBe(401);
      expect(await failedCount('scripter@example.org')).toBe(1);
      const failures = await events('auth.password_check_failed');
      expect(failures.at(-1)?.context).toMatchObject({ purpose: 'token_issue' });
      const tokens = await inject('GET', '/api/v1/tokens', session.headers);
      expect(tokens.json()).toEqual([]);
    });

    it('ends after 90 days by default, or the days asked for up to the maximum of 365', async () => {
      const before = Date.now();
      const plain = await mint(admin, { name: 'default', password: ADMIN.password });
      expect(plain.statusCode, plain.body).toBe(201);
      const days = (new Date(plain.json().expiresAt).getTime() - before) / DAY;
      expect(days).toBeGreaterThanOrEqual(90);
      expect(days).toBeLessThan(90.01);
      const ten = await mint(admin, { name: 'ten', expiresInDays: 10, password: ADMIN.password });
      expect((new Date(ten.json().expiresAt).getTime() - before) / DAY).toBeCloseTo(10, 1);
      const tooLong = await mint(admin, { name: 'long', expiresInDays: 366, password: ADMIN.password });
      expect(tooLong.statusCode).toBe(400);
      expect(tooLong.json().details.fields[0]).toMatchObject({ field: 'expiresInDays' });
      expect(tooLong.json().details.fields[0].message).toContain('at most 365 days');
    });

    it('refuses a token past its expiry', async () => {
      const created = await mint(admin, { name: 'short-lived', expiresInDays: 1, password: ADMIN.password });
      const token = created.json().token as string;
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(200);
      await t.database.transaction((trx) =>
        trx
          .updateTable('api_token')
          .set({ expires_at: new Date(Date.now() - 1000) })
          .where('token_id', '=', created.json().tokenId)
          .execute(),
      );
      const refused = await inject('GET', '/api/v1/study', bearer(token));
      expect(refused.statusCode).toBe(401);
      expect(refused.json().message).toContain('expired');
    });

    it('shows when a token was last used, written at most once a minute', async () => {
      const created = await mint(admin, { name: 'watched', password: ADMIN.password });
      const tokenId = created.json().tokenId as string;
      const listed = async () =>
        (await inject('GET', '/api/v1/tokens', admin.headers))
          .json()
          .find((token: { tokenId: string }) => token.tokenId === tokenId);
      expect(await listed()).toMatchObject({ lastUsedAt: null, expiresAt: created.json().expiresAt });
      await inject('GET', '/api/v1/study', bearer(created.json().token));
      const first = (await listed()).lastUsedAt as string;
      expect(first).not.toBeNull();
      await inject('GET', '/api/v1/study', bearer(created.json().token));
      expect((await listed()).lastUsedAt).toBe(first);
      await t.database.transaction((trx) =>
        trx
          .updateTable('api_token')
          .set({ last_used_at: new Date(Date.now() - 2 * 60_000) })
          .where('token_id', '=', tokenId)
          .execute(),
      );
      await inject('GET', '/api/v1/study', bearer(created.json().token));
      expect(new Date((await listed()).lastUsedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    });

    it('revokes the tokens on sign-out everywhere', async () => {
      const { session, token, tokenId } = await personWithToken('everywhere@example.org');
      const out = await inject('POST', '/api/v1/auth/logout-everywhere', session.headers);
      expect(out.json()).toMatchObject({ tokensRevoked: 1 });
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(401);
      expect(await revocationCauses(tokenId)).toEqual(['signed_out_everywhere']);
    });

    it('revokes the tokens on deactivation, and they stay revoked when the account returns', async () => {
      const { user, token, tokenId } = await personWithToken('leaver@example.org');
      const listed = (await inject('GET', '/api/v1/users', admin.headers))
        .json()
        .find((row: { userId: string }) => row.userId === user.userId);
      const off = await inject('PATCH', `/api/v1/users/${user.userId}`, admin.headers, {
        version: listed.version,
        status: 'disabled',
        reason: 'left the study',
      });
      expect(off.statusCode, off.body).toBe(200);
      await inject('PATCH', `/api/v1/users/${user.userId}`, admin.headers, {
        version: off.json().version,
        status: 'active',
        reason: 'returned',
      });
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(401);
      expect(await revocationCauses(tokenId)).toEqual(['deactivated']);
    });

    it('revokes the tokens on a change of role, but not on a change of name', async () => {
      const { user, token, tokenId } = await personWithToken('mover@example.org');
      const listed = (await inject('GET', '/api/v1/users', admin.headers))
        .json()
        .find((row: { userId: string }) => row.userId === user.userId);
      const renamed = await inject('PATCH', `/api/v1/users/${user.userId}`, admin.headers, {
        version: listed.version,
        name: 'Mover Renamed',
        reason: 'married',
      });
      expect(renamed.statusCode, renamed.body).toBe(200);
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(200);
      const moved = await inject('PATCH', `/api/v1/users/${user.userId}`, admin.headers, {
        version: renamed.json().version,
        roles: ['monitor'],
        reason: 'now monitors',
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect((await inject('GET', '/api/v1/study', bearer(token))).statusCode).toBe(401);
      expect(await revocationCauses(tokenId)).toEqual(['role_changed']);
    });
  });
});

describe('token lifetime settings', () => {
  it('defaults to 90 days within 365, and refuses a default above the maximum', () => {
    expect(loadConfig({}).tokenDays).toEqual({ default: 90, max: 365 });
    expect(loadConfig({}).passwordHistory).toBe(5);
    expect(loadConfig({ EXOTRIAL_TOKEN_DAYS: '30', EXOTRIAL_TOKEN_MAX_DAYS: '60' }).tokenDays).toEqual({
      default: 30,
      max: 60,
    });
    expect(() => loadConfig({ EXOTRIAL_TOKEN_DAYS: '400' })).toThrow(ConfigError);
    expect(() => loadConfig({ EXOTRIAL_TOKEN_DAYS: '400' })).toThrow(
      /must not exceed EXOTRIAL_TOKEN_MAX_DAYS/,
    );
    expect(() => loadConfig({ EXOTRIAL_PASSWORD_HISTORY: '0' })).toThrow(ConfigError);
  });
});
