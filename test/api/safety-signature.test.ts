import { afterAll, beforeAll, expect, it } from 'vitest';
import { submissionMeaning } from '../../src/safety/submission.service.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { createSafetyOfficer, enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

const HOUR = 3_600_000;
const WRONG = 'not the right password';
const today = new Date().toISOString().slice(0, 10);

// Recording that an expedited report was sent is an electronic signature (21 CFR 11.50, 11.200):
// the password is re-entered, a wrong one counts toward the sign-in lockout and writes nothing.
describeEachDatabase('recording a safety report’s submission is an e-signature', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let officer: SignedIn;
  let aeId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, { EXOTRIAL_LOCKOUT_ATTEMPTS: '3', EXOTRIAL_LOCKOUT_MINUTES: '15' });
    users = await createTrialUsers(t);
    officer = await createSafetyOfficer(t);
    const participantId = await enrolledParticipant(t, users, today);
    const aware = new Date(Date.now() - 2 * HOUR);
    const created = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      {
        entries: fields({
          term: 'Bronchospasm',
          onsetAt: shanghaiLocal(new Date(aware.getTime() - HOUR)),
          ongoing: true,
          grade: 3,
          serious: true,
          seriousnessCriteria: ['hospitalisation'],
          awareAt: shanghaiLocal(aware),
          causality: 'probable',
          expected: false,
          inhalationAssociated: true,
          actionTaken: 'none',
          outcome: 'recovering',
        }),
      },
    );
    expect(created.statusCode, created.body).toBe(201);
    aeId = created.json().aeId;
  });
  afterAll(async () => t?.close());

  const submit = (user: SignedIn, reporter: 'site' | 'sponsor', password: string) =>
    as(t.app, user).post(`/api/v1/adverse-events/${aeId}/submissions/${reporter}`, {
      clockId: reporter === 'site' ? 'sae-to-sponsor' : 'susar-other',
      kind: 'initial',
      submittedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      reference: `${reporter} report`,
      password,
    });
  const submissions = () =>
    t.database.read((db) =>
      db
        .selectFrom('safety_submission')
        .selectAll()
        .where('ae_id', '=', aeId)
        .orderBy('recorded_at')
        .execute(),
    );
  const failures = () =>
    t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'signature.failed')
        .where('entity_id', '=', aeId)
        .orderBy('seq')
        .execute(),
    );
  const account = (email: string) =>
    t.database.read((db) =>
      db
        .selectFrom('app_user')
        .select(['user_id', 'failed_login_count', 'locked_until'])
        .where('study_id', '=', t.studyId)
        .where('email', '=', email)
        .executeTakeFirstOrThrow(),
    );

  it('refuses a wrong password with 401, audits signature.failed naming the event, and records nothing', async () => {
    const refused = await submit(users.coordinator, 'site', WRONG);
    expect(refused.statusCode, refused.body).toBe(401);
    expect(refused.json().message).toMatch(/password is not correct/);
    expect(await submissions()).toEqual([]);
    const [failure] = await failures();
    expect(failure).toMatchObject({
      entity_type: 'adverse_event',
      entity_id: aeId,
      context: expect.objectContaining({
        reason: 'bad_password',
        meaning: submissionMeaning,
        clockId: 'sae-to-sponsor',
        siteId: users.siteId,
      }),
    });
    expect((await account('coordinator@example.org')).failed_login_count).toBe(1);
    const event = (await as(t.app, users.investigator).get(`/api/v1/adverse-events/${aeId}`)).json();
    expect(event.submissions).toEqual([]);
    expect(event.clocks.find((clock: { clockId: string }) => clock.clockId === 'sae-to-sponsor').status).toBe(
      'due',
    );
  });

  it('records the submission with the right password, storing and showing the signer, time and meaning', async () => {
    const sent = await submit(users.coordinator, 'site', PASSWORD);
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({
      signerName: 'Coordinator',
      signatureMeaning: submissionMeaning,
      recordedBy: 'coordinator@example.org',
      recordedByName: 'Coordinator',
    });
    const [row] = await submissions();
    expect(row).toMatchObject({
      signer_id: (await account('coordinator@example.org')).user_id,
      signer_name: 'Coordinator',
      signature_meaning: submissionMeaning,
    });
    expect(new Date(row?.recorded_at ?? 0).toISOString()).toBe(sent.json().recordedAt);
    const event = (await as(t.app, users.investigator).get(`/api/v1/adverse-events/${aeId}`)).json();
    expect(event.submissions).toMatchObject([
      {
        signerName: 'Coordinator',
        signatureMeaning: submissionMeaning,
        recordedAt: sent.json().recordedAt,
        recordedByName: 'Coordinator',
      },
    ]);
    // The right password ends the run of failures, as a sign-in does.
    expect((await account('coordinator@example.org')).failed_login_count).toBe(0);
    const trail = await t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .selectAll()
        .where('entity_id', '=', sent.json().submissionId)
        .executeTakeFirstOrThrow(),
    );
    expect(trail).toMatchObject({
      action: 'safety.report.submit',
      new_value: expect.objectContaining({ signer: 'Coordinator', meaning: submissionMeaning }),
    });
  });

  it('locks the signer after the set number of wrong passwords; then even the right one gets 423', async () => {
    for (const expected of [401, 401, 423]) {
      expect((await submit(officer, 'sponsor', WRONG)).statusCode).toBe(expected);
    }
    expect((await account('safety@example.org')).locked_until).not.toBeNull();
    const locked = await submit(officer, 'sponsor', PASSWORD);
    expect(locked.statusCode, locked.body).toBe(423);
    expect(locked.json()).toMatchObject({ error: 'locked', details: { lockedUntil: expect.any(String) } });
    const officerId = (await account('safety@example.org')).user_id;
    const officerFailures = (await failures()).filter((event) => event.actor_id === officerId);
    expect(officerFailures.map((event) => event.context)).toEqual([
      expect.objectContaining({ reason: 'bad_password', clockId: 'susar-other' }),
      expect.objectContaining({ reason: 'bad_password' }),
      expect.objectContaining({ reason: 'bad_password' }),
      expect.objectContaining({ reason: 'locked' }),
    ]);
    expect((await submissions()).map((row) => row.clock_id)).toEqual(['sae-to-sponsor']);
  });
});
