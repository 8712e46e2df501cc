import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import {
  createLot,
  createPharmacists,
  createUnit,
  enrolledParticipant,
  type Pharmacists,
  vialByCode,
} from './product-fixtures.ts';

const HOUR = 3_600_000;
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/**
 * A dispensed vial that comes back to the pharmacy unused: recorded against its dispensing, held
 * apart until destroyed, never dispensed again, the dose visit free to be dispensed again, and the
 * accountability report balancing with it.
 */
describeEachDatabase('returns of unused vials', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  let first: string;
  let second: string;
  let firstDispensing: { dispensingId: string; vialCode: string; vialId: string };
  let replacement: { dispensingId: string; vialCode: string; vialId: string };
  const today = dateInZone(new Date(), 'Asia/Shanghai');

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    staff = await createPharmacists(t, users);
    const freezer = await createUnit(t, staff.pharmacist, 'RJ-F1', users.siteId);
    await createLot(t, staff.pharmacist, { lotNumber: 'EXO-T1', unitId: freezer, vialCount: 5 });
    first = await enrolledParticipant(t, users.siteId, 'RJ-001', today);
    second = await enrolledParticipant(t, users.siteId, 'RJ-002', today);
  });
  afterAll(async () => t?.close());

  const pharmacist = () => as(t.app, staff.pharmacist);
  /** Asks for the proposal and dispenses the proposed vial, as the pharmacy screen does. */
  async function dispense(participantId: string, visitId = 'day-1') {
    const proposal = await pharmacist().get(
      `/api/v1/product/participants/${participantId}/proposal?visitId=${visitId}`,
    );
    expect(proposal.statusCode, proposal.body).toBe(200);
    const vial = proposal.json().vial as { vialId: string; code: string };
    const response = await pharmacist().post('/api/v1/product/dispensings', {
      participantId,
      visitId,
      expectedVialId: vial.vialId,
      scannedCode: vial.code,
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { dispensingId: string; vialCode: string; vialId: string };
  }
  const returnUrl = (dispensingId: string) => `/api/v1/product/dispensings/${dispensingId}/return`;

  describe('recording a return', () => {
    beforeAll(async () => {
      firstDispensing = await dispense(first);
    });

    it('refuses people without the permission or of another site, and bad requests, changing nothing', async () => {
      const body = { scannedCode: firstDispensing.vialCode, reason: 'Dose not given: patient in CT' };
      expect(
        (await as(t.app, users.coordinator).post(returnUrl(firstDispensing.dispensingId), body)).statusCode,
      ).toBe(403);
      expect(
        (await as(t.app, staff.otherPharmacist).post(returnUrl(firstDispensing.dispensingId), body))
          .statusCode,
      ).toBe(403);
      const noReason = await pharmacist().post(returnUrl(firstDispensing.dispensingId), {
        scannedCode: firstDispensing.vialCode,
        reason: '  ',
      });
      expect(noReason.statusCode).toBe(400);
      expect(noReason.json().details.fields[0]).toMatchObject({ field: 'body.reason' });
      expect(noReason.json().details.fields[0].message).toContain('why the vial came back unused');
      const malformed = await pharmacist().post(returnUrl('dispensing-1'), body);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().details.fields[0].message).toBe('Not a dispensing id.');
      const unknown = await pharmacist().post(returnUrl(NO_SUCH_ID), body);
      expect(unknown.statusCode).toBe(404);
      const otherVial = await pharmacist().post(returnUrl(firstDispensing.dispensingId), {
        scannedCode: 'EXO-T1-0005',
        reason: 'Dose not given',
      });
      expect(otherVial.statusCode).toBe(409);
      expect(otherVial.json().details.reason).toBe('wrong_vial');
      expect(otherVial.json().message).toContain(firstDispensing.vialCode);
      expect((await vialByCode(t, staff.pharmacist, firstDispensing.vialCode)).state).toBe('dispensed');
    });

    it('returns the scanned vial with the reason: held for destruction, audited, shown on the dispensing', async () => {
      const response = await pharmacist().post(returnUrl(firstDispensing.dispensingId), {
        scannedCode: firstDispensing.vialCode,
        reason: 'Dose not given: patient in CT',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        dispensingId: firstDispensing.dispensingId,
        participantId: first,
        studyNumber: 'RJ-001',
        visitId: 'day-1',
        siteId: users.siteId,
        lotNumber: 'EXO-T1',
        returnedBy: 'Pia Pharmacist',
        reason: 'Dose not given: patient in CT',
        thawWindowPassed: false,
        vial: { code: firstDispensing.vialCode, state: 'returned', siteId: users.siteId, unitId: null },
      });
      const dispensings = await pharmacist().get(`/api/v1/product/participants/${first}/dispensings`);
      expect(dispensings.json()).toEqual([
        expect.objectContaining({
          dispensingId: firstDispensing.dispensingId,
          returnedBy: 'Pia Pharmacist',
          returnReason: 'Dose not given: patient in CT',
          returnedAt: response.json().returnedAt,
        }),
      ]);
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['entity_id', 'reason', 'new_value'])
          .where('study_id', '=', t.studyId)
          .where('action', '=', 'vial.return')
          .execute(),
      );
      expect(trail).toHaveLength(1);
      expect(trail[0]).toMatchObject({ entity_id: first, reason: 'Dose not given: patient in CT' });
    });

    it('refuses to return it twice, and never dispenses a returned vial', async () => {
      const twice = await pharmacist().post(returnUrl(firstDispensing.dispensingId), {
        scannedCode: firstDispensing.vialCode,
        reason: 'again',
      });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().message).toContain('already returned');
      const refused = await pharmacist().post('/api/v1/product/dispensings', {
        participantId: second,
        visitId: 'day-1',
        expectedVialId: firstDispensing.vialId,
        scannedCode: firstDispensing.vialCode,
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().details.reason).toBe('already_used');
      expect(refused.json().message).toContain('returned unused');
    });

    it('lets the dose visit be dispensed again, with another vial', async () => {
      replacement = await dispense(first);
      expect(replacement.vialCode).not.toBe(firstDispensing.vialCode);
      const dispensings = await pharmacist().get(`/api/v1/product/participants/${first}/dispensings`);
      expect(
        dispensings.json().map((entry: { returnedAt: string | null }) => entry.returnedAt !== null),
      ).toEqual([true, false]);
      const proposal = await pharmacist().get(`/api/v1/product/participants/${first}/proposal?visitId=day-1`);
      expect(proposal.statusCode).toBe(409);
      expect(proposal.json().details.reason).toBe('dose_already_dispensed');
    });

    it('refuses to return a vial whose dose is recorded as given', async () => {
      const given = await dispense(second);
      // The dose record is the dosing module's (tested there); written directly, only its link matters here.
      await t.database.transaction((trx) =>
        trx
          .insertInto('dosing_administration')
          .values({
            study_id: t.studyId,
            administration_id: randomUUID(),
            participant_id: second,
            site_id: users.siteId,
            visit_id: 'day-1',
            dose_number: 1,
            status: 'completed',
            dispensing_id: given.dispensingId,
            vial_number: given.vialCode,
            bronchospasm: false,
            new_cough: false,
            protocol_version: 1,
            created_at: new Date(),
            created_by: 'test',
            updated_at: new Date(),
          })
          .execute(),
      );
      const refused = await pharmacist().post(returnUrl(given.dispensingId), {
        scannedCode: given.vialCode,
        reason: 'Not needed',
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toContain('recorded as completed');
      expect((await vialByCode(t, staff.pharmacist, given.vialCode)).state).toBe('dispensed');
    });

    it('says when a vial came back after its thaw-to-use window', async () => {
      // Seven hours pass: the thaw time is moved back, as the clock cannot be.
      await t.database.transaction(async (trx) => {
        const thawedAt = new Date(Date.now() - 7 * HOUR);
        await trx
          .updateTable('dispensing')
          .set({ thawed_at: thawedAt })
          .where('study_id', '=', t.studyId)
          .where('dispensing_id', '=', replacement.dispensingId)
          .execute();
        await trx
          .updateTable('vial')
          .set({ thawed_at: thawedAt })
          .where('study_id', '=', t.studyId)
          .where('vial_id', '=', replacement.vialId)
          .execute();
      });
      const response = await pharmacist().post(returnUrl(replacement.dispensingId), {
        scannedCode: replacement.vialCode,
        reason: 'Thawed, not used within 6 hours',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ thawWindowPassed: true, vial: { state: 'returned' } });
    });
  });

  describe('destruction and accountability', () => {
    it('destroys a returned vial; the list shows what still awaits destruction', async () => {
      const vial = await vialByCode(t, staff.pharmacist, firstDispensing.vialCode);
      const destroyed = await pharmacist().post(`/api/v1/product/vials/${vial.vialId}/destroy`, {
        reason: 'Returned unused: destroyed per pharmacy SOP',
        version: vial.version,
      });
      expect(destroyed.statusCode, destroyed.body).toBe(200);
      expect(destroyed.json()).toMatchObject({ state: 'destroyed', siteId: users.siteId });
      const all = await pharmacist().get('/api/v1/product/returns');
      expect(all.statusCode, all.body).toBe(200);
      expect(all.json().map((entry: { vial: { code: string } }) => entry.vial.code)).toEqual([
        replacement.vialCode,
        firstDispensing.vialCode,
      ]);
      const awaiting = await pharmacist().get('/api/v1/product/returns?awaitingDestruction=true');
      expect(awaiting.json().map((entry: { vial: { code: string } }) => entry.vial.code)).toEqual([
        replacement.vialCode,
      ]);
      expect((await as(t.app, staff.otherPharmacist).get('/api/v1/product/returns')).json()).toEqual([]);
      const otherSite = await as(t.app, staff.otherPharmacist).get(
        `/api/v1/product/returns?siteId=${users.siteId}`,
      );
      expect(otherSite.statusCode).toBe(403);
    });

    it('balances: received + returned unused = dispensed + destroyed + on hand + awaiting destruction', async () => {
      const response = await as(t.app, users.dataManager).get('/api/v1/product/accountability');
      expect(response.statusCode, response.body).toBe(200);
      const report = response.json();
      expect(report.imbalances).toEqual([]);
      expect(report.sites).toEqual([
        expect.objectContaining({
          lotNumber: 'EXO-T1',
          site: users.siteId,
          received: 5,
          dispensed: 3,
          returnedUnused: 2,
          destroyed: 1,
          onHand: 2,
          awaitingDestruction: 1,
          difference: 0,
        }),
      ]);
      expect(report.lots[0]).toMatchObject({
        manufactured: 5,
        dispensed: 3,
        returnedUnused: 2,
        awaitingDestruction: 1,
        difference: 0,
      });
      const byNumber = (number: string) =>
        report.participants.find((row: { studyNumber: string }) => row.studyNumber === number);
      expect(byNumber('RJ-001')).toMatchObject({
        dispensed: 2,
        returnedUnused: 2,
        custodyDispensed: 2,
        custodyReturned: 2,
        visits: [],
        difference: 0,
      });
      expect(byNumber('RJ-002')).toMatchObject({ dispensed: 1, returnedUnused: 0, visits: ['day-1'] });
    });
  });
});
