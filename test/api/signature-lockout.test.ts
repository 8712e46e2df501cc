import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { verifyPassword } from '../../src/auth/password.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import {
  ADMIN,
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { createLot, createUnit, passingResults } from './product-fixtures.ts';

// Every password check of the server goes through verifyPassword: counting its calls shows that each
// sign-in branch does the same argon2 work, without measuring time (which a shared machine blurs).
vi.mock('../../src/auth/password.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/auth/password.ts')>();
  return { ...actual, verifyPassword: vi.fn(actual.verifyPassword) };
});

const SECRET_KEY = 'cd'.repeat(32);
const WRONG = 'not the right password';
const formUrl = (participantId: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/${formId}?instance=1`;

describeEachDatabase('e-signatures: one lockout with sign-in', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let admin: SignedIn;
  /** An investigator who is also the site's pharmacist: every kind of signature, one counter. */
  let signer: SignedIn;
  let signerId: string;
  let participantId: string;
  let recordId: string;
  let lotId: string;
  let totpSecret: string;

  const post = (user: SignedIn, url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, headers: user.headers, payload });
  const login = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  const nextCode = (steps: number) =>
    generate({ secret: totpSecret, epoch: Math.floor(Date.now() / 1000) + 30 * steps });
  const account = () =>
    t.database.read((db) =>
      db
        .selectFrom('app_user')
        .select(['failed_login_count', 'locked_until', 'totp_secret'])
        .where('user_id', '=', signerId)
        .executeTakeFirstOrThrow(),
    );
  const failures = (entityId: string) =>
    t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'signature.failed')
        .where('entity_id', '=', entityId)
        .orderBy('seq')
        .execute(),
    );
  const signaturesOf = (participant: string) =>
    t.database.read((db) =>
      db.selectFrom('signature').selectAll().where('participant_id', '=', participant).execute(),
    );

  /** The four signatures under test, each with the right or a wrong password. */
  const attempts = {
    eligibility: (password: string) =>
      post(signer, `/api/v1/participants/${participantId}/eligibility/confirm`, { password }),
    form: (password: string) => post(signer, `/api/v1/records/${recordId}/sign`, { password }),
    lotRelease: (password: string) =>
      post(signer, `/api/v1/product/lots/${lotId}/release`, { password, version: 2 }),
    totpDisable: async (password: string, steps = 1) =>
      post(signer, '/api/v1/account/totp/disable', { password, code: await nextCode(steps) }),
  };

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
      EXOTRIAL_LOCKOUT_ATTEMPTS: '5',
      EXOTRIAL_SECRET_KEY: SECRET_KEY,
    });
    users = await createTrialUsers(t);
    admin = await signIn(t.app);
    signerId = await t.database.transaction(async (trx) => {
      const created = await createUser(trx, t.studyId, systemActor('test'), {
        email: 'signer@example.org',
        name: 'Sam Signer',
        roles: ['investigator', 'pharmacist'],
        siteIds: [users.siteId],
        password: PASSWORD,
      });
      for (const email of ['guesser@example.org', 'gone@example.org']) {
        await createUser(trx, t.studyId, systemActor('test'), {
          email,
          name: email,
          roles: ['investigator'],
          siteIds: [users.siteId],
          password: PASSWORD,
        });
      }
      return created.userId;
    });
    signer = await signIn(t.app, 'signer@example.org', PASSWORD);

    // A screened, consented participant with every screening form saved: eligible, not yet signed.
    const coordinator = as(t.app, users.coordinator);
    const today = dateInZone(new Date(), 'Asia/Shanghai');
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: earlier,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    for (const [formId, values] of Object.entries(eligibleScreeningForms(today, earlier))) {
      const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
      const saved = await coordinator.put(formUrl(participantId, formId), { version: 0, entries });
      expect(saved.statusCode, `${formId}: ${saved.body}`).toBe(200);
    }
    recordId = (await coordinator.get(formUrl(participantId, 'demographics'))).json().recordId;

    // A lot with passing results, waiting for its release signature.
    const unitId = await createUnit(t, signer, 'SIG-F1', users.siteId);
    ({ lotId } = await createLot(t, signer, { lotNumber: 'SIG-001', unitId }, false));
    const results = await as(t.app, signer).put(`/api/v1/product/lots/${lotId}/release-results`, {
      results: passingResults,
      version: 1,
    });
    expect(results.statusCode, results.body).toBe(200);
  });
  afterAll(async () => t?.close());

  it('sets up TOTP only with the password: a wrong one is a counted, audited 401', async () => {
    const enrol = await post(signer, '/api/v1/account/totp/enrol', {});
    expect(enrol.statusCode, enrol.body).toBe(200);
    totpSecret = enrol.json().secret;
    const code = await generate({ secret: totpSecret });
    const without = await post(signer, '/api/v1/account/totp/confirm', { code });
    expect(without.statusCode).toBe(400);
    expect(JSON.stringify(without.json().details)).toContain('password');
    const wrong = await post(signer, '/api/v1/account/totp/confirm', { code, password: WRONG });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toContain('second factor was not set up');
    expect((await account()).failed_login_count).toBe(1);
    expect((await account()).totp_secret).toBeNull();
    const [failed] = await failures(signerId);
    expect(failed).toMatchObject({ entity_type: 'user', actor_id: signerId });
    expect(failed?.context).toMatchObject({
      reason: 'bad_password',
      meaning: expect.stringContaining('Set up'),
    });

    const right = await post(signer, '/api/v1/account/totp/confirm', { code, password: PASSWORD });
    expect(right.statusCode, right.body).toBe(204);
    // A right password ends the run of failures, as a sign-in does.
    expect(await account()).toMatchObject({ failed_login_count: 0, locked_until: null });
    expect((await account()).totp_secret).not.toBeNull();
  });

  it('counts wrong passwords at every kind of signature toward one lockout, naming each target', async () => {
    const targets = [
      ['eligibility', 'participant', () => participantId, /meets every eligibility criterion/],
      ['form', 'form_record', () => recordId, /data on this form/],
      ['lotRelease', 'product_lot', () => lotId, /release/i],
      ['totpDisable', 'user', () => signerId, /Turn off my second factor/],
    ] as const;
    for (const [index, [name, entityType, entityId, meaning]] of targets.entries()) {
      const response = await attempts[name](WRONG);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(401);
      expect(response.json().error).toBe('unauthenticated');
      const events = await failures(entityId());
      const last = events.at(-1);
      expect(last, name).toMatchObject({ entity_type: entityType, actor_id: signerId });
      expect(last?.context).toMatchObject({
        reason: 'bad_password',
        meaning: expect.stringMatching(meaning),
      });
      expect((await account()).failed_login_count).toBe(index + 1);
    }
    // Participant-data events carry the participant and site, for site-scoped readers of the trail.
    expect((await failures(recordId))[0]?.context).toMatchObject({ participantId, siteId: users.siteId });

    const fifth = await post(signer, `/api/v1/participants/${participantId}/sign`, { password: WRONG });
    expect(fifth.statusCode, fifth.body).toBe(423);
    expect(fifth.json()).toMatchObject({ error: 'locked', details: { lockedUntil: expect.any(String) } });
    expect(fifth.json().message).toMatch(/locked until \d{4}-\d\d-\d\d \d\d:\d\d UTC.*administrator/);
    const lockedUntil = new Date(fifth.json().details.lockedUntil).getTime();
    expect(lockedUntil - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(lockedUntil - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect((await account()).locked_until).not.toBeNull();
    const lockouts = await t.database.read((db) =>
      db.selectFrom('audit_event').selectAll().where('action', '=', 'auth.lockout').execute(),
    );
    expect(lockouts.map((event) => event.entity_id)).toEqual([signerId]);
  });

  it('refuses every signature with 423 while locked, even with the right password, and audits why', async () => {
    for (const name of ['eligibility', 'form', 'lotRelease'] as const) {
      const response = await attempts[name](PASSWORD);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(423);
      expect(response.json().error).toBe('locked');
    }
    const totp = await attempts.totpDisable(PASSWORD);
    expect(totp.statusCode, totp.body).toBe(423);
    const lotEvents = await failures(lotId);
    expect(lotEvents.at(-1)?.context).toMatchObject({ reason: 'locked' });
    // Refusals while locked do not count on: the lock ends when it was set to.
    expect((await account()).failed_login_count).toBe(0);
  });

  it('refuses sign-in while locked with the answer an unknown account gets, but keeps open sessions', async () => {
    const locked = await login('signer@example.org', PASSWORD);
    const unknown = await login('nobody@example.org', PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(locked.body).toBe(unknown.body);
    expect(locked.json().error).toBe('unauthenticated');
    const reasons = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('context')
        .where('action', '=', 'auth.login_failed')
        .where('entity_id', '=', signerId)
        .execute(),
    );
    expect(reasons.map((event) => (event.context as { reason: string }).reason)).toEqual(['locked']);
    // The lock stops signing and new sign-ins; the session already open still reads.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: signer.headers });
    expect(me.statusCode).toBe(200);
  });

  it('wrote nothing of a signed record on any refused attempt', async () => {
    expect(await signaturesOf(participantId)).toEqual([]);
    const participant = await t.database.read((db) =>
      db
        .selectFrom('participant')
        .select(['eligibility_confirmed_at', 'status'])
        .where('participant_id', '=', participantId)
        .executeTakeFirstOrThrow(),
    );
    expect(participant).toEqual({ eligibility_confirmed_at: null, status: 'screening' });
    const lot = await as(t.app, signer).get(`/api/v1/product/lots/${lotId}`);
    expect(lot.json()).toMatchObject({ status: 'pending', version: 2 });
    expect((await account()).totp_secret).not.toBeNull();
  });

  it('signs again once an administrator lifts the lock', async () => {
    const listed = (await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: admin.headers }))
      .json()
      .find((user: { email: string }) => user.email === 'signer@example.org');
    const unlock = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${listed.userId}`,
      headers: admin.headers,
      payload: { version: listed.version, unlock: true, reason: 'identity confirmed in person' },
    });
    expect(unlock.statusCode, unlock.body).toBe(200);
    for (const name of ['eligibility', 'form', 'lotRelease'] as const) {
      const response = await attempts[name](PASSWORD);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(200);
    }
    expect((await signaturesOf(participantId)).map((row) => row.scope).sort()).toEqual([
      'eligibility',
      'form',
    ]);
    // Turning TOTP off with the right password but a wrong code is a counted failure too, with one
    // message for both (it must not tell a session thief that the password was right).
    const wrongCode = await attempts.totpDisable(PASSWORD, 10);
    expect(wrongCode.statusCode, wrongCode.body).toBe(401);
    expect(wrongCode.json().message).toContain('The password or the code is not correct');
    expect((await failures(signerId)).at(-1)?.context).toMatchObject({ reason: 'bad_second_factor' });
    expect((await account()).failed_login_count).toBe(1);
    const disabled = await attempts.totpDisable(PASSWORD);
    expect(disabled.statusCode, disabled.body).toBe(204);
    expect(await account()).toMatchObject({ failed_login_count: 0, totp_secret: null });
    expect((await login('signer@example.org', PASSWORD)).statusCode).toBe(200);
  });

  it('takes one account’s attempts one at a time: parallel guesses cannot pass the lock', async () => {
    const guesser = await signIn(t.app, 'guesser@example.org', PASSWORD);
    const guessUser = await t.database.read((db) =>
      db
        .selectFrom('app_user')
        .select('user_id')
        .where('email', '=', 'guesser@example.org')
        .executeTakeFirstOrThrow(),
    );
    const responses = await Promise.all(
      Array.from({ length: 9 }, (_, index) =>
        post(guesser, `/api/v1/participants/${participantId}/sign`, { password: `${WRONG} ${index}` }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([401, 401, 401, 401, 423, 423, 423, 423, 423]);
    const events = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select('context')
        .where('action', '=', 'signature.failed')
        .where('actor_id', '=', guessUser.user_id)
        .execute(),
    );
    const reasons = events.map((event) => (event.context as { reason: string }).reason);
    expect(reasons.filter((reason) => reason === 'bad_password')).toHaveLength(5);
    expect(reasons.filter((reason) => reason === 'locked')).toHaveLength(4);
  });

  describe('sign-in answers alike', () => {
    it('gives a wrong password, an unknown, a locked and a disabled account one answer and one argon2 check', async () => {
      await t.database.transaction((trx) =>
        trx
          .updateTable('app_user')
          .set({ status: 'disabled' })
          .where('email', '=', 'gone@example.org')
          .execute(),
      );
      const cases = {
        wrongPassword: ['investigator@example.org', WRONG],
        unknown: ['nobody@example.org', PASSWORD],
        locked: ['guesser@example.org', PASSWORD],
        disabled: ['gone@example.org', PASSWORD],
      } as const;
      const bodies = new Set<string>();
      for (const [name, [email, password]] of Object.entries(cases)) {
        vi.mocked(verifyPassword).mockClear();
        const response = await login(email, password);
        expect(response.statusCode, name).toBe(401);
        expect(vi.mocked(verifyPassword).mock.calls, name).toHaveLength(1);
        bodies.add(response.body);
      }
      expect([...bodies]).toHaveLength(1);
      expect(JSON.parse([...bodies][0] ?? '{}')).toEqual({
        error: 'unauthenticated',
        message:
          'The email or password is not correct, or the account is locked after too many failed attempts; ' +
          'ask an administrator if this persists.',
      });
    });
  });
});
