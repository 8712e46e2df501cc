import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAuditTrail } from '../../src/audit/export.ts';
import {
  dosedParticipant,
  givenDose,
  recordDose,
  saveSpo2Fall,
  siteDateFromToday,
  spo2FallEvent,
} from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { createSafetyOfficer } from './safety-support.ts';

// People read names: the views that name who acted carry the account's name beside the stored id or
// sign-in email, and the safety dashboard lists the inhalation flags nobody has recorded an event from.

// Day 1 two days ago at the site (Asia/Shanghai), so every time used below lies in the past at any hour.
const day1 = siteDateFromToday(-2);

describeEachDatabase('names and flags in the views', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let officer: SignedIn;
  let participantId: string;
  let administrationId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    officer = await createSafetyOfficer(t);
    // The vial dispensed for day 1 was thawed half an hour before the dose.
    const thawedAt = new Date(`${day1}T07:30+08:00`);
    ({ participantId } = await dosedParticipant(t, users, {
      day1,
      vials: [{ visitId: 'day-1', code: 'VIAL-N001', thawedAt }],
    }));
  });
  afterAll(async () => t?.close());

  const coordinator = () => as(t.app, users.coordinator);

  it('names who obtained consent, beside the account id it stores', async () => {
    const detail = (await coordinator().get(`/api/v1/participants/${participantId}`)).json();
    const coordinatorId = await t.database.read(async (db) => {
      const row = await db
        .selectFrom('app_user')
        .select('user_id')
        .where('email', '=', 'coordinator@example.org')
        .executeTakeFirstOrThrow();
      return row.user_id;
    });
    expect(detail.consents).toHaveLength(1);
    expect(detail.consents[0]).toMatchObject({ obtainedBy: coordinatorId, obtainedByName: 'Coordinator' });
  });

  it("names each user actor of the audit trail; the system's events have no name", async () => {
    const page = await as(t.app, users.monitor).get(`/api/v1/audit?participantId=${participantId}&limit=500`);
    expect(page.statusCode, page.body).toBe(200);
    const events: Array<{
      action: string;
      field: string | null;
      actorLabel: string;
      actorName: string | null;
      actorType: string;
    }> = page.json().events;
    const consent = events.find((event) => event.action === 'participant.consent');
    expect(consent).toMatchObject({ actorLabel: 'coordinator@example.org', actorName: 'Coordinator' });
    const confirmation = events.find(
      (event) => event.action === 'signature.apply' && event.field === 'eligibility',
    );
    expect(confirmation).toMatchObject({ actorLabel: 'investigator@example.org', actorName: 'Investigator' });
    for (const event of events.filter((entry) => entry.actorType !== 'user')) {
      expect(event.actorName).toBeNull();
    }
  });

  it('lists a flagged dose with no adverse event on the safety dashboard, until an event is recorded from it', async () => {
    const dose = await recordDose(t, users.coordinator, participantId, 'day-1', givenDose('VIAL-N001', day1));
    administrationId = dose.administrationId;
    let dashboard = (await as(t.app, officer).get('/api/v1/safety/dashboard')).json();
    expect(dashboard.flaggedDoses).toEqual([]);
    await saveSpo2Fall(t, users.coordinator, participantId, day1);
    dashboard = (await as(t.app, officer).get('/api/v1/safety/dashboard')).json();
    expect(dashboard.flaggedDoses).toEqual([
      expect.objectContaining({
        participantId,
        administrationId,
        visitId: 'day-1',
        doseNumber: 1,
        flags: [expect.objectContaining({ kind: 'spo2-drop', source: 'day-1/post-30', observed: 91 })],
      }),
    ]);
    // A coordinator of another site sees no flag of this one.
    const elsewhere = (await as(t.app, users.otherCoordinator).get('/api/v1/safety/dashboard')).json();
    expect(elsewhere.flaggedDoses).toEqual([]);
    const ae = await as(t.app, users.investigator).post(
      `/api/v1/participants/${participantId}/adverse-events`,
      spo2FallEvent(day1, 'Oxygen saturation decreased', administrationId),
    );
    expect(ae.statusCode, ae.body).toBe(201);
    dashboard = (await as(t.app, officer).get('/api/v1/safety/dashboard')).json();
    expect(dashboard.flaggedDoses).toEqual([]);
    // The event's history names who recorded it, beside the sign-in the trail holds.
    const history = (await as(t.app, officer).get(`/api/v1/adverse-events/${ae.json().aeId}/history`)).json();
    expect(history[0]).toMatchObject({
      action: 'safety.ae.create',
      by: 'investigator@example.org',
      byName: 'Investigator',
    });
  });

  it('names who paused dosing and who resumed it, beside their sign-in', async () => {
    const paused = await as(t.app, officer).post('/api/v1/safety/pauses', { reason: 'Two grade 3 events' });
    expect(paused.statusCode, paused.body).toBe(201);
    expect(paused.json()).toMatchObject({
      pausedBy: 'safety@example.org',
      pausedByName: 'Sam Safety',
      resumedByName: null,
    });
    const dashboard = (await as(t.app, officer).get('/api/v1/safety/dashboard')).json();
    expect(dashboard.pauses[0]).toMatchObject({ pauseId: paused.json().pauseId, pausedByName: 'Sam Safety' });
    const resumed = await as(t.app, officer).post(`/api/v1/safety/pauses/${paused.json().pauseId}/resume`, {
      version: paused.json().version,
      reason: 'Reviewed: unrelated to the product',
    });
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json()).toMatchObject({ resumedBy: 'safety@example.org', resumedByName: 'Sam Safety' });
    const [listed] = (await as(t.app, officer).get('/api/v1/safety/pauses')).json();
    expect(listed).toMatchObject({ pausedByName: 'Sam Safety', resumedByName: 'Sam Safety' });
  });

  it("names a token's owner and who issued it, as issued and as listed", async () => {
    const created = await as(t.app, users.investigator).post('/api/v1/tokens', {
      name: 'nightly export',
      password: PASSWORD,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      userEmail: 'investigator@example.org',
      userName: 'Investigator',
      createdBy: 'investigator@example.org',
      createdByName: 'Investigator',
    });
    const listed = (await as(t.app, users.investigator).get('/api/v1/tokens')).json();
    expect(listed).toEqual([
      expect.objectContaining({
        tokenId: created.json().tokenId,
        userName: 'Investigator',
        createdByName: 'Investigator',
      }),
    ]);
  });

  describe('the audit export', () => {
    it('keeps the stored event as hashed: no display name is added', async () => {
      let text = '';
      for await (const chunk of exportAuditTrail(t.database, t.studyId, 'json')) text += chunk;
      const events: Array<Record<string, unknown>> = JSON.parse(text);
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((event) => !('actorName' in event))).toBe(true);
    });
  });
});
