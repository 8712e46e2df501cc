import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateAfter, siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { enrolledParticipant, fields } from './safety-support.ts';

// Grading from values: a laboratory value reaching a CTCAE v5.0 grade worse than the participant's
// baseline proposes a laboratory adverse event, which the investigator accepts (the adverse event is
// created with its grade) or dismisses with a reason.

const day1 = siteDateFromToday(-8);
const RANGES = [
  'item,sex,ageLow,ageHigh,low,high,unit',
  'labs.lymphocytes,,,,1.1,3.2,10*9/L',
  'labs.alt,M,,,9,50,U/L',
].join('\n');

const labsUrl = (participantId: string, visitKey: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/labs?instance=1`;

interface Proposal {
  proposalId: string;
  visitKey: string;
  term: string;
  grade: number;
  baselineGrade: number;
  status: string;
  adverseEventId: string | null;
  reason: string | null;
}

describeEachDatabase('graded laboratory adverse events', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    participantId = await enrolledParticipant(t, users, day1);
    const imported = await as(t.app, users.dataManager).post(
      `/api/v1/sites/${users.siteId}/lab-ranges/import`,
      {
        csv: RANGES,
      },
    );
    expect(imported.statusCode, imported.body).toBe(200);
    // Baseline: screening lymphocytes 1.5 and ALT 30, both normal.
    const screening = (await as(t.app, users.coordinator).get(labsUrl(participantId, 'screening'))).json();
    const saved = await as(t.app, users.coordinator).put(labsUrl(participantId, 'screening'), {
      version: screening.version,
      entries: fields({ collectedOn: dateAfter(day1, -1), lymphocytes: 1.5, alt: 30 }),
    });
    expect(saved.statusCode, saved.body).toBe(200);
  });
  afterAll(async () => t?.close());

  const saveLabs = async (visitKey: string, values: Record<string, unknown>, reason?: string) => {
    const form = (await as(t.app, users.coordinator).get(labsUrl(participantId, visitKey))).json();
    const response = await as(t.app, users.coordinator).put(labsUrl(participantId, visitKey), {
      version: form.version,
      entries: fields(values),
      ...(reason ? { reason } : {}),
    });
    expect(response.statusCode, response.body).toBe(200);
  };
  const proposals = async (): Promise<Proposal[]> => {
    const response = await as(t.app, users.investigator).get(
      `/api/v1/participants/${participantId}/lab-ae-proposals`,
    );
    expect(response.statusCode, response.body).toBe(200);
    return response.json().proposals;
  };
  const auditCount = (action: string) =>
    t.database.read(async (db) =>
      Number(
        (
          await db
            .selectFrom('audit_event')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('action', '=', action as never)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );

  it('proposes nothing for the baseline itself, nor for a normal value', async () => {
    await saveLabs('day-3', { collectedOn: dateAfter(day1, 2), lymphocytes: 1.2, alt: 45 });
    expect(await proposals()).toEqual([]);
  });

  describe('a grade 3 lymphopenia', () => {
    let proposalId: string;

    it('is proposed with its CTCAE term and grade, once however often the form is saved', async () => {
      await saveLabs('day-5', { collectedOn: dateAfter(day1, 4), lymphocytes: 0.45 });
      await saveLabs('day-5', { alt: 40 });
      const list = await proposals();
      expect(list).toEqual([
        expect.objectContaining({
          visitKey: 'day-5',
          term: 'Lymphocyte count decreased',
          grade: 3,
          baselineGrade: 0,
          status: 'proposed',
        }),
      ]);
      proposalId = list[0]?.proposalId ?? '';
      expect(await auditCount('lab.ae.propose')).toBe(1);
    });

    it('cannot be accepted by the coordinator', async () => {
      const response = await as(t.app, users.coordinator).post(
        `/api/v1/lab-ae-proposals/${proposalId}/accept`,
        {},
      );
      expect(response.statusCode).toBe(403);
    });

    it('is accepted by the investigator, creating the adverse event with its grade, audited', async () => {
      const response = await as(t.app, users.investigator).post(
        `/api/v1/lab-ae-proposals/${proposalId}/accept`,
        {
          entries: { onsetAt: { value: `${dateAfter(day1, 4)}T08:00` } },
        },
      );
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ status: 'accepted', decidedBy: 'Investigator' });
      const event = await as(t.app, users.investigator).get(
        `/api/v1/adverse-events/${response.json().adverseEventId}`,
      );
      expect(event.statusCode, event.body).toBe(200);
      expect(event.json().entries).toMatchObject({
        term: { value: 'Lymphocyte count decreased' },
        grade: { value: 3 },
        onsetAt: { value: `${dateAfter(day1, 4)}T08:00` },
      });
      expect(await auditCount('lab.ae.accept')).toBe(1);
      expect(await auditCount('safety.ae.create')).toBe(1);
    });

    it('cannot be decided twice', async () => {
      const response = await as(t.app, users.investigator).post(
        `/api/v1/lab-ae-proposals/${proposalId}/dismiss`,
        {
          reason: 'second thoughts',
        },
      );
      expect(response.statusCode).toBe(409);
    });
  });

  describe('a grade 1 ALT rise', () => {
    let proposalId: string;

    it('is proposed from a normal baseline above the ULN (50 U/L)', async () => {
      await saveLabs('day-7', { collectedOn: dateAfter(day1, 6), alt: 130 });
      const proposal = (await proposals()).find((entry) => entry.visitKey === 'day-7');
      expect(proposal).toMatchObject({
        term: 'Alanine aminotransferase increased',
        grade: 1,
        status: 'proposed',
      });
      proposalId = proposal?.proposalId ?? '';
    });

    it('needs a reason to be dismissed, and is dismissed with one, audited', async () => {
      const url = `/api/v1/lab-ae-proposals/${proposalId}/dismiss`;
      const refused = await as(t.app, users.investigator).post(url, { reason: ' ' });
      expect(refused.statusCode).toBe(400);
      const response = await as(t.app, users.investigator).post(url, {
        reason: 'haemolysed sample, repeat normal',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        status: 'dismissed',
        reason: 'haemolysed sample, repeat normal',
      });
      expect(await auditCount('lab.ae.dismiss')).toBe(1);
    });
  });

  it('withdraws an open proposal when its value is corrected below the grade', async () => {
    await saveLabs('day-14', { collectedOn: dateAfter(day1, 13), lymphocytes: 0.7 });
    expect((await proposals()).find((entry) => entry.visitKey === 'day-14')).toMatchObject({
      grade: 2,
      status: 'proposed',
    });
    await saveLabs('day-14', { lymphocytes: 1.7 }, 'decimal point misplaced');
    expect((await proposals()).find((entry) => entry.visitKey === 'day-14')).toMatchObject({
      status: 'dismissed',
      reason: 'the value was changed (revision 2)',
    });
  });

  it('shows the proposals to nobody of another site', async () => {
    const response = await as(t.app, users.otherCoordinator).get(
      `/api/v1/participants/${participantId}/lab-ae-proposals`,
    );
    expect(response.statusCode).toBe(403);
  });
});
