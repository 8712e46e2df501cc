import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { enrolledParticipant, fields, shanghaiLocal } from '../api/safety-support.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The report reads doses from the dosing module (dosing_administration) and adverse events from the
// safety module (adverse_event): what is recorded through those APIs is what the report counts.

const DAY = 86_400_000;
const HOUR = 3_600_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const shanghaiToday = dateOf(Date.now() + 8 * HOUR);
const day1 = dateOf(Date.parse(`${shanghaiToday}T00:00:00Z`) - 2 * DAY);
const day2 = dateOf(Date.parse(`${day1}T00:00:00Z`) + DAY);

/** A released lot, one vial, and its dispensing to a participant at a visit, as the pharmacy stores them. */
async function dispensedVial(
  t: TestApp,
  siteId: string,
  participantId: string,
  visitId: string,
  code: string,
  thawedOn: string,
) {
  const now = new Date();
  const lotId = randomUUID();
  const vialId = randomUUID();
  await t.database.transaction(async (trx) => {
    await trx
      .insertInto('product_lot')
      .values({
        study_id: t.studyId,
        lot_id: lotId,
        lot_number: `L-${code}`,
        manufacturer: 'Test manufacturer',
        manufactured_on: day1,
        concentration_per_ml: 6.7e7,
        volume_ml: 3,
        vial_count: 1,
        status: 'released',
        created_at: now,
        created_by: 'test',
        updated_at: now,
      } as never)
      .execute();
    await trx
      .insertInto('vial')
      .values({
        study_id: t.studyId,
        vial_id: vialId,
        lot_id: lotId,
        code,
        sequence: 1,
        state: 'dispensed',
        site_id: siteId,
        shelf_used: 0,
        located_at: now,
        expires_at: new Date(now.getTime() + 30 * DAY),
        updated_at: now,
      } as never)
      .execute();
    await trx
      .insertInto('dispensing')
      .values({
        study_id: t.studyId,
        dispensing_id: randomUUID(),
        participant_id: participantId,
        visit_id: visitId,
        vial_id: vialId,
        lot_id: lotId,
        site_id: siteId,
        dispensed_at: now,
        dispensed_by: 'test',
        dispensed_by_name: 'Test Pharmacist',
        // Thawed at 07:30 site time (Asia/Shanghai) on the day of the dose.
        thawed_at: new Date(`${thawedOn}T07:30:00+08:00`),
      })
      .execute();
  });
}

describeEachDatabase('trial report over the API', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let first: string;
  let second: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    first = await enrolledParticipant(t, users, day1);
    second = await enrolledParticipant(t, users, day1);
    await dispensedVial(t, users.siteId, first, 'day-1', 'VIAL-R1', day1);
    await dispensedVial(t, users.siteId, first, 'day-2', 'VIAL-R2', day2);
    await dispensedVial(t, users.siteId, second, 'day-1', 'VIAL-R3', day1);
    const coordinator = as(t.app, users.coordinator);
    const dose = async (participantId: string, visitId: string, body: Record<string, unknown>) => {
      const response = await coordinator.post(`/api/v1/participants/${participantId}/doses/${visitId}`, body);
      expect(response.statusCode, `${visitId}: ${response.body}`).toBe(201);
    };
    const given = (code: string, date: string) => ({
      status: 'completed',
      vialCode: code,
      startedAt: `${date}T08:00`,
      endedAt: `${date}T08:15`,
      volumeMl: 3,
      device: 'vibrating-mesh',
    });
    await dose(first, 'day-1', given('VIAL-R1', day1));
    await dose(first, 'day-2', given('VIAL-R2', day2));
    await dose(second, 'day-1', {
      ...given('VIAL-R3', day1),
      status: 'interrupted',
      interruptionReason: 'Coughing fit',
    });
    await dose(second, 'day-2', { status: 'not-given', notGivenReason: 'Participant declined' });

    const investigator = as(t.app, users.investigator);
    const event = async (participantId: string, values: Record<string, unknown>) => {
      const response = await investigator.post(`/api/v1/participants/${participantId}/adverse-events`, {
        entries: fields(values),
      });
      expect(response.statusCode, response.body).toBe(201);
    };
    const onset = shanghaiLocal(new Date(Date.now() - 5 * HOUR));
    const common = { onsetAt: onset, ongoing: true, inhalationAssociated: false, actionTaken: 'none' };
    await event(first, {
      ...common,
      term: 'Cough',
      grade: 1,
      serious: false,
      causality: 'possible',
      outcome: 'recovering',
    });
    await event(first, {
      ...common,
      term: 'Headache',
      grade: 2,
      serious: false,
      causality: 'unlikely',
      outcome: 'recovering',
    });
    await event(second, {
      ...common,
      term: 'Pneumonia',
      grade: 3,
      serious: true,
      seriousnessCriteria: ['hospitalisation'],
      awareAt: shanghaiLocal(new Date(Date.now() - 2 * HOUR)),
      causality: 'unlikely',
      expected: false,
      outcome: 'recovering',
    });
  });
  afterAll(async () => t?.close());

  it('counts the doses the dosing module recorded, visit by visit', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/report?format=json');
    expect(response.statusCode, response.body).toBe(200);
    const { dosing } = response.json();
    expect(dosing.enrolled).toBe(2);
    const byVisit = Object.fromEntries(dosing.doses.map((row: { visitId: string }) => [row.visitId, row]));
    expect(byVisit['day-1']).toMatchObject({
      given: 2,
      completed: 1,
      interrupted: 1,
      notGiven: 0,
      notRecorded: 0,
    });
    expect(byVisit['day-2']).toMatchObject({
      given: 1,
      completed: 1,
      interrupted: 0,
      notGiven: 1,
      notRecorded: 0,
    });
    const stored = await t.database.read((db) =>
      db.selectFrom('dosing_administration').select('status').where('study_id', '=', t.studyId).execute(),
    );
    const reported = dosing.doses.reduce(
      (sum: number, row: { given: number; notGiven: number }) => sum + row.given + row.notGiven,
      0,
    );
    expect(reported).toBe(stored.length);
    // Neither participant has had every dose of the regimen yet.
    expect(dosing.allDoses).toBe(0);
  });

  it('counts the adverse events the safety module recorded', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/report?format=json');
    const { safety } = response.json();
    const stored = await t.database.read((db) =>
      db.selectFrom('adverse_event').select('ae_id').where('study_id', '=', t.studyId).execute(),
    );
    expect(safety.events).toBe(stored.length);
    expect(safety.events).toBe(3);
    expect(safety.participantsWithAnyEvent).toMatchObject({ participants: 2, denominator: 2 });
    expect(safety.related.participants).toBe(1);
    expect(safety.serious.participants).toBe(1);
    expect(safety.seriousRelated.participants).toBe(0);
    expect(safety.byTerm.map((row: { category: string }) => row.category).sort()).toEqual([
      'cough',
      'headache',
      'pneumonia',
    ]);
    expect(safety.seriousListing).toEqual([
      expect.objectContaining({
        term: 'Pneumonia',
        grade: 3,
        causality: 'unlikely',
        onsetDay: expect.any(Number),
      }),
    ]);
  });

  it('shows the same figures in the HTML report', async () => {
    const response = await as(t.app, users.dataManager).get('/api/v1/report?format=html');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('3 adverse events recorded');
    expect(response.body).toMatch(/<td>[^<]*Day 1[^<]*<\/td><td>2\/2<\/td><td>1<\/td><td>1<\/td>/);
  });
});
