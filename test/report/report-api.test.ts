import { afterAll, beforeAll, expect, it } from 'vitest';
import { fields, shanghaiLocal } from '../api/safety-support.ts';
import { dateAfter, dosedParticipant, givenDose, siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The report reads doses from the dosing module (dosing_administration) and adverse events from the
// safety module (adverse_event): what is recorded through those APIs is what the report counts.

const HOUR = 3_600_000;
const day1 = siteDateFromToday(-2);
const day2 = dateAfter(day1, 1);
// Each vial thawed at 07:30 site time (Asia/Shanghai) on the day of its dose, and handed out now.
const vial = (visitId: string, code: string, thawedOn: string) => ({
  visitId,
  code,
  thawedAt: new Date(`${thawedOn}T07:30:00+08:00`),
  dispensedAt: new Date(),
});

describeEachDatabase('trial report over the API', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let first: string;
  let second: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    ({ participantId: first } = await dosedParticipant(t, users, {
      day1,
      vials: [vial('day-1', 'VIAL-R1', day1), vial('day-2', 'VIAL-R2', day2)],
      doses: [
        { visitId: 'day-1', body: givenDose('VIAL-R1', day1) },
        { visitId: 'day-2', body: givenDose('VIAL-R2', day2) },
      ],
    }));
    ({ participantId: second } = await dosedParticipant(t, users, {
      day1,
      vials: [vial('day-1', 'VIAL-R3', day1)],
      doses: [
        {
          visitId: 'day-1',
          body: { ...givenDose('VIAL-R3', day1), status: 'interrupted', interruptionReason: 'Coughing fit' },
        },
        { visitId: 'day-2', body: { status: 'not-given', notGivenReason: 'Participant declined' } },
      ],
    }));

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
