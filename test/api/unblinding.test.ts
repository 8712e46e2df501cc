import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type SignedIn } from '../support/test-app.ts';
import { as, PASSWORD } from '../support/trial-users.ts';
import { personIn, type RandomisedStudy, randomisedStudy } from './blinding-support.ts';

// Emergency unblinding of one participant by the site's investigator (reason, password again, the
// sponsor's side told at once, audited), and the study's unblinding once the database is locked.

describeEachDatabase('unblinding', (kind) => {
  let study: RandomisedStudy;
  let otherInvestigator: SignedIn;
  let safetyOfficer: SignedIn;
  let sponsorViewer: SignedIn;

  const url = (participantId: string) => `/api/v1/participants/${participantId}/unblinding`;
  const auditOf = (action: string) =>
    study.t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .selectAll()
        .where('study_id', '=', study.t.studyId)
        .where('action', '=', action)
        .execute(),
    );

  beforeAll(async () => {
    study = await randomisedStudy(kind);
    const { t, users } = study;
    otherInvestigator = await personIn(t, 'investigator', users.otherSiteId, 'inv-other@example.org');
    safetyOfficer = await personIn(t, 'safety_officer', users.siteId);
    sponsorViewer = await personIn(t, 'sponsor_viewer', users.siteId);
    // A reporting-clock kind cannot be switched off: asking for it is refused, so it stays immediate.
    const refused = await as(t.app, users.dataManager).put('/api/v1/notifications/preferences', {
      kinds: { 'participant.unblinded': 'in-app' },
    });
    expect(refused.statusCode).toBe(400);
  });
  afterAll(async () => study?.t.close());

  describe('emergency unblinding of one participant', () => {
    it('needs a reason, the right password, the right role and the participant’s site', async () => {
      const { t, users, allocated } = study;
      const participantId = allocated[0]?.participantId ?? '';
      const investigator = as(t.app, users.investigator);
      const noReason = await investigator.post(url(participantId), { password: PASSWORD });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.body).toContain('Give the reason for unblinding.');
      const blank = await investigator.post(url(participantId), { reason: '  ', password: PASSWORD });
      expect(blank.statusCode).toBe(400);
      const wrong = await investigator.post(url(participantId), { reason: 'anaphylaxis', password: 'nope' });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().message).toContain('the participant is not unblinded');
      const failed = await auditOf('signature.failed');
      expect(failed.some((event) => event.entity_id === participantId)).toBe(true);
      const otherSite = await as(t.app, otherInvestigator).post(url(participantId), {
        reason: 'anaphylaxis',
        password: PASSWORD,
      });
      expect(otherSite.statusCode).toBe(403);
      const coordinator = await as(t.app, users.coordinator).post(url(participantId), {
        reason: 'anaphylaxis',
        password: PASSWORD,
      });
      expect(coordinator.statusCode).toBe(403);
      expect(await auditOf('randomisation.unblind_participant')).toHaveLength(0);
      const rows = await t.database.read((db) =>
        db.selectFrom('participant_unblinding').selectAll().execute(),
      );
      expect(rows).toHaveLength(0);
    });

    it('returns the arm, records who, when and why, tells the sponsor side at once, audited', async () => {
      const { t, users, allocated } = study;
      const [first] = allocated;
      if (!first) throw new Error('no participant');
      const before = await as(t.app, users.investigator).get(
        `/api/v1/participants/${first.participantId}/allocation`,
      );
      expect(before.json().arm).toBeUndefined();

      const unblinded = await as(t.app, users.investigator).post(url(first.participantId), {
        reason: 'Anaphylaxis on day 3: treatment depends on the product given',
        password: PASSWORD,
      });
      expect(unblinded.statusCode, unblinded.body).toBe(200);
      expect(unblinded.json()).toMatchObject({ arm: first.arm, randomisationNumber: expect.any(String) });

      const events = await auditOf('randomisation.unblind_participant');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        entity_id: first.participantId,
        reason: expect.stringContaining('Anaphylaxis'),
      });
      expect(JSON.stringify(events[0])).not.toContain(first.arm);

      for (const person of [users.dataManager, safetyOfficer, sponsorViewer]) {
        const inbox = await as(t.app, person).get('/api/v1/notifications');
        const told = inbox
          .json()
          .items.filter((item: { kind: string }) => item.kind === 'participant.unblinded');
        expect(told, inbox.body).toHaveLength(1);
        expect(told[0].body.en).toContain('Anaphylaxis on day 3');
        expect(JSON.stringify(told[0])).not.toContain(first.arm);
      }
      const deliveries = await t.database.read((db) =>
        db
          .selectFrom('notification_delivery as d')
          .innerJoin('notification as n', 'n.notification_id', 'd.notification_id')
          .select(['d.mode', 'd.user_id'])
          .where('n.kind', '=', 'participant.unblinded')
          .execute(),
      );
      expect(deliveries).toHaveLength(3);
      expect(deliveries.every((delivery) => delivery.mode === 'immediately')).toBe(true);
      const coordinatorInbox = await as(t.app, users.coordinator).get('/api/v1/notifications');
      expect(coordinatorInbox.body).not.toContain('participant.unblinded');

      const after = await as(t.app, users.investigator).get(
        `/api/v1/participants/${first.participantId}/allocation`,
      );
      expect(after.json()).toMatchObject({
        arm: first.arm,
        unblindings: [{ name: 'Investigator', reason: expect.stringContaining('Anaphylaxis') }],
      });
      // The coordinator stays blind, and so do the investigator's other participants.
      const coordinatorView = await as(t.app, users.coordinator).get(
        `/api/v1/participants/${first.participantId}/allocation`,
      );
      expect(coordinatorView.json().arm).toBeUndefined();
      const second = allocated[1]?.participantId ?? '';
      const other = await as(t.app, users.investigator).get(`/api/v1/participants/${second}/allocation`);
      expect(other.json().arm).toBeUndefined();
    });

    it('records a second unblinding of the same participant as well', async () => {
      const { t, users, allocated } = study;
      const participantId = allocated[0]?.participantId ?? '';
      const again = await as(t.app, users.investigator).post(url(participantId), {
        reason: 'Second emergency',
        password: PASSWORD,
      });
      expect(again.statusCode, again.body).toBe(200);
      const view = await as(t.app, users.investigator).get(
        `/api/v1/participants/${participantId}/allocation`,
      );
      expect(view.json().unblindings).toHaveLength(2);
      expect(await auditOf('randomisation.unblind_participant')).toHaveLength(2);
    });
    it('asks a sub-investigator who signs in with TOTP for a current code with the password', async () => {
      const { t, users, allocated } = study;
      const participantId = allocated[1]?.participantId ?? '';
      const sub = await personIn(t, 'sub_investigator', users.siteId);
      const enrol = await as(t.app, sub).post('/api/v1/account/totp/enrol', {});
      expect(enrol.statusCode, enrol.body).toBe(200);
      const secret: string = enrol.json().secret;
      const codeIn = (steps: number) =>
        generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * steps });
      const confirmed = await as(t.app, sub).post('/api/v1/account/totp/confirm', {
        code: await codeIn(0),
        password: PASSWORD,
      });
      expect(confirmed.statusCode, confirmed.body).toBe(204);
      const body = { reason: 'Severe bronchospasm', password: PASSWORD };
      const noCode = await as(t.app, sub).post(url(participantId), body);
      expect(noCode.statusCode).toBe(400);
      expect(noCode.body).toContain('give its current code too');
      // Ten steps ahead: outside the tolerance, so a wrong code.
      const wrongCode = await as(t.app, sub).post(url(participantId), { ...body, code: await codeIn(10) });
      expect(wrongCode.statusCode).toBe(401);
      const right = await as(t.app, sub).post(url(participantId), { ...body, code: await codeIn(1) });
      expect(right.statusCode, right.body).toBe(200);
      expect(right.json().arm).toBe(allocated[1]?.arm);
    });
  });

  describe('the study at database lock', () => {
    it('is refused before the lock and to roles other than the data manager', async () => {
      const { t, users } = study;
      const early = await as(t.app, users.dataManager).post('/api/v1/randomisation/unblinding', {
        reason: 'final analysis',
      });
      expect(early.statusCode).toBe(409);
      expect(early.json().message).toContain('lock the database first');
      const investigator = await as(t.app, users.investigator).post('/api/v1/randomisation/unblinding', {
        reason: 'final analysis',
      });
      expect(investigator.statusCode).toBe(403);
      const status = await as(t.app, users.coordinator).get('/api/v1/randomisation/unblinding');
      expect(status.json()).toEqual({ unblinded: null });
    });

    it('opens the arms to everyone who reads the study once recorded, once only, audited', async () => {
      const { t, users, allocated } = study;
      const second = allocated[1];
      if (!second) throw new Error('no participant');
      const locked = await as(t.app, users.dataManager).post('/api/v1/study/lock', {});
      expect(locked.statusCode, locked.body).toBe(204);
      const noReason = await as(t.app, users.dataManager).post('/api/v1/randomisation/unblinding', {});
      expect(noReason.statusCode).toBe(400);
      const done = await as(t.app, users.dataManager).post('/api/v1/randomisation/unblinding', {
        reason: 'Database locked: final analysis',
      });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json().unblinded).toMatchObject({
        name: 'Datamanager',
        reason: 'Database locked: final analysis',
      });
      const seen = await as(t.app, users.coordinator).get(
        `/api/v1/participants/${second.participantId}/allocation`,
      );
      expect(seen.json().arm).toBe(second.arm);
      const twice = await as(t.app, users.dataManager).post('/api/v1/randomisation/unblinding', {
        reason: 'again',
      });
      expect(twice.statusCode).toBe(409);
      expect(await auditOf('randomisation.unblind_study')).toHaveLength(1);
    });
  });
});
