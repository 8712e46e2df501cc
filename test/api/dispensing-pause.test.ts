import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { createLot, createPharmacists, createUnit, type Pharmacists } from './product-fixtures.ts';
import { createSafetyOfficer, enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

const HOUR = 3_600_000;

describeEachDatabase('dispensing while dosing is paused', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  let officer: SignedIn;
  let codes: string[];
  let first: string;
  let second: string;
  const today = dateInZone(new Date(), 'Asia/Shanghai');

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    staff = await createPharmacists(t, users);
    officer = await createSafetyOfficer(t);
    const freezer = await createUnit(t, staff.pharmacist, 'RJ-F1', users.siteId);
    codes = (await createLot(t, staff.pharmacist, { lotNumber: 'EXO-P1', unitId: freezer, vialCount: 3 }))
      .codes;
    // Enrolled through the API: an adverse event needs a consented participant.
    first = await enrolledParticipant(t, users, today);
    second = await enrolledParticipant(t, users, today);
  });
  afterAll(async () => t?.close());

  /** Asks for the proposal and dispenses the proposed vial, as the pharmacy screen does. */
  async function dispense(participantId: string) {
    const pharmacist = as(t.app, staff.pharmacist);
    const proposal = await pharmacist.get(
      `/api/v1/product/participants/${participantId}/proposal?visitId=day-1`,
    );
    expect(proposal.statusCode, proposal.body).toBe(200);
    const vial = proposal.json().vial as { vialId: string; code: string };
    return pharmacist.post('/api/v1/product/dispensings', {
      participantId,
      visitId: 'day-1',
      expectedVialId: vial.vialId,
      scannedCode: vial.code,
    });
  }

  const vialStates = () =>
    t.database.read((db) =>
      db
        .selectFrom('vial')
        .select(['code', 'state'])
        .where('study_id', '=', t.studyId)
        .where('code', 'in', codes)
        .orderBy('code')
        .execute(),
    );

  describe('the related-grade-4 stopping rule', () => {
    let pauseId: string;

    it('a grade 4 event judged possibly related pauses dosing', async () => {
      const onset = new Date(Date.now() - 2 * HOUR);
      const response = await as(t.app, users.investigator).post(
        `/api/v1/participants/${first}/adverse-events`,
        {
          entries: fields({
            term: 'Bronchospasm',
            onsetAt: shanghaiLocal(onset),
            ongoing: true,
            grade: 4,
            serious: true,
            seriousnessCriteria: ['life-threatening'],
            awareAt: shanghaiLocal(new Date(onset.getTime() + HOUR)),
            causality: 'possible',
            expected: false,
            inhalationAssociated: true,
            actionTaken: 'none',
            outcome: 'recovering',
          }),
        },
      );
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().trippedRules).toContain('related-grade-4');
    });

    it('refuses to dispense with 409 naming the rule, and no vial leaves stock', async () => {
      const before = await vialStates();
      const refused = await dispense(second);
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json().message).toContain('Dosing is paused');
      expect(refused.json().message).toContain('related-grade-4');
      expect(refused.json().details).toMatchObject({ dosingPaused: true });
      expect(await vialStates()).toEqual(before);
      const dispensings = await t.database.read((db) =>
        db.selectFrom('dispensing').select('dispensing_id').where('study_id', '=', t.studyId).execute(),
      );
      expect(dispensings).toEqual([]);
    });

    it('dispenses again once the safety officer resumes dosing', async () => {
      const [pause] = (await as(t.app, officer).get('/api/v1/safety/pauses')).json();
      expect(pause).toMatchObject({ ruleId: 'related-grade-4', resumedAt: null });
      pauseId = pause.pauseId;
      const resumed = await as(t.app, officer).post(`/api/v1/safety/pauses/${pauseId}/resume`, {
        version: pause.version,
        reason: 'DSMB reviewed the bronchospasm: dosing may resume with closer monitoring',
      });
      expect(resumed.statusCode, resumed.body).toBe(200);
      const dispensed = await dispense(second);
      expect(dispensed.statusCode, dispensed.body).toBe(201);
      expect(dispensed.json()).toMatchObject({ participantId: second, visitId: 'day-1' });
      expect((await vialStates()).filter((vial) => vial.state === 'dispensed')).toHaveLength(1);
    });
  });
});
