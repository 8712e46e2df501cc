import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { rejectMeaning, releaseMeaning } from '../../src/product/lot.service.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import {
  CONCENTRATION,
  createLot,
  createPharmacists,
  createUnit,
  enrolledParticipant,
  type Pharmacists,
  passingResults,
  vialByCode,
} from './product-fixtures.ts';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describeEachDatabase('investigational product', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  let freezerA: string;
  let freezerB: string;
  const today = dateInZone(new Date(), 'Asia/Shanghai');

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    staff = await createPharmacists(t, users);
    freezerA = await createUnit(t, staff.pharmacist, 'RJ-F1', users.siteId);
    freezerB = await createUnit(t, staff.otherPharmacist, 'OH-F1', users.otherSiteId);
  });
  afterAll(async () => t?.close());

  const pharmacist = () => as(t.app, staff.pharmacist);

  describe('storage units', () => {
    it('refuses a unit whose nominal temperature is outside its range, naming the field', async () => {
      const response = await pharmacist().post('/api/v1/product/storage-units', {
        code: 'BAD-1',
        name: 'Bad',
        kind: 'freezer',
        siteId: users.siteId,
        nominalCelsius: -20,
        lowCelsius: -90,
        highCelsius: -60,
        excursionToleranceMinutes: 30,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().details.fields[0].field).toBe('body.nominalCelsius');
    });

    it('lets a pharmacist add units only at their own site', async () => {
      const response = await pharmacist().post('/api/v1/product/storage-units', {
        code: 'OH-F9',
        name: 'Not mine',
        kind: 'freezer',
        siteId: users.otherSiteId,
        nominalCelsius: -80,
        lowCelsius: -90,
        highCelsius: -60,
        excursionToleranceMinutes: 30,
      });
      expect(response.statusCode).toBe(403);
      const units = await pharmacist().get('/api/v1/product/storage-units');
      expect(units.json().map((unit: { code: string }) => unit.code)).toEqual(['RJ-F1']);
    });
  });

  describe('lots and release', () => {
    let lotId: string;

    it('registers a lot with its vials pending release, each with a unique code', async () => {
      const created = await createLot(
        t,
        staff.pharmacist,
        { lotNumber: 'EXO-R1', unitId: freezerA, vialCount: 3 },
        false,
      );
      lotId = created.lotId;
      const lot = await pharmacist().get(`/api/v1/product/lots/${lotId}`);
      expect(lot.json()).toMatchObject({ status: 'pending', vialCount: 3, releasable: false, version: 1 });
      const vials = await pharmacist().get(`/api/v1/product/vials?lotId=${lotId}`);
      expect(vials.json().items.map((vial: { code: string }) => vial.code)).toEqual(created.codes);
      const duplicate = await pharmacist().post('/api/v1/product/lots', {
        lotNumber: 'EXO-R1',
        manufacturer: 'x',
        manufacturedOn: today,
        concentrationPerMl: 1,
        volumeMl: 3,
        vialCount: 1,
        unitId: freezerA,
      });
      expect(duplicate.statusCode).toBe(409);
    });

    it('names a result for a test the protocol does not have', async () => {
      const response = await pharmacist().put(`/api/v1/product/lots/${lotId}/release-results`, {
        results: [{ testId: 'potency', value: 1 }],
        version: 1,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().details.fields[0].message).toContain('no release test "potency"');
    });

    it('cannot release a lot with a failing or missing test, and says which', async () => {
      const failing = passingResults
        .map((result) => (result.testId === 'endotoxin' ? { testId: 'endotoxin', value: 0.5 } : result))
        .filter((result) => result.testId !== 'mycoplasma');
      const entered = await pharmacist().put(`/api/v1/product/lots/${lotId}/release-results`, {
        results: failing,
        version: 1,
      });
      expect(entered.statusCode, entered.body).toBe(200);
      expect(entered.json().releasable).toBe(false);
      const endotoxin = entered.json().judgements.find((j: { testId: string }) => j.testId === 'endotoxin');
      expect(endotoxin).toMatchObject({ pass: false, value: 0.5 });
      const refused = await pharmacist().post(`/api/v1/product/lots/${lotId}/release`, {
        password: PASSWORD,
        version: 2,
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().details.reason).toBe('specification_not_met');
      expect(
        refused
          .json()
          .details.failing.map((f: { testId: string }) => f.testId)
          .sort(),
      ).toEqual(['endotoxin', 'mycoplasma']);
    });

    it('releases once every test passes, with the e-signature and its meaning', async () => {
      const fixed = await pharmacist().put(`/api/v1/product/lots/${lotId}/release-results`, {
        results: [
          { testId: 'endotoxin', value: 0.2 },
          { testId: 'mycoplasma', value: 'negative' },
        ],
        version: 2,
      });
      expect(fixed.json().releasable).toBe(true);
      const byCoordinator = await as(t.app, users.coordinator).post(`/api/v1/product/lots/${lotId}/release`, {
        password: PASSWORD,
        version: 3,
      });
      expect(byCoordinator.statusCode).toBe(403);
      const wrongPassword = await pharmacist().post(`/api/v1/product/lots/${lotId}/release`, {
        password: 'nope',
        version: 3,
      });
      expect(wrongPassword.statusCode).toBe(401);
      const released = await pharmacist().post(`/api/v1/product/lots/${lotId}/release`, {
        password: PASSWORD,
        version: 3,
      });
      expect(released.statusCode, released.body).toBe(200);
      expect(released.json()).toMatchObject({ status: 'released', releasedBy: 'Pia Pharmacist' });
      expect(released.json().releaseMeaning).toContain('I release it');
      const again = await pharmacist().put(`/api/v1/product/lots/${lotId}/release-results`, {
        results: [{ testId: 'endotoxin', value: 0.3 }],
        version: 4,
      });
      expect(again.statusCode).toBe(409);
    });

    it('rejects a pending lot with a reason, and audits the release and the rejection as status changes', async () => {
      const created = await createLot(
        t,
        staff.pharmacist,
        { lotNumber: 'EXO-RJ1', unitId: freezerA, vialCount: 1 },
        false,
      );
      const rejected = await pharmacist().post(`/api/v1/product/lots/${created.lotId}/reject`, {
        password: PASSWORD,
        reason: 'Seal broken on arrival.',
        version: 1,
      });
      expect(rejected.statusCode, rejected.body).toBe(200);
      const lot = await pharmacist().get(`/api/v1/product/lots/${created.lotId}`);
      expect(lot.json()).toMatchObject({ status: 'rejected', rejectedReason: 'Seal broken on arrival.' });
      const again = await pharmacist().post(`/api/v1/product/lots/${created.lotId}/reject`, {
        password: PASSWORD,
        reason: 'Twice.',
        version: 2,
      });
      expect(again.statusCode).toBe(409);
      const decisions = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'entity_id', 'field', 'old_value', 'new_value', 'reason'])
          .where('study_id', '=', t.studyId)
          .where('action', 'in', ['lot.release', 'lot.reject'])
          .where('entity_id', 'in', [lotId, created.lotId])
          .orderBy('seq')
          .execute(),
      );
      expect(decisions).toEqual([
        {
          action: 'lot.release',
          entity_id: lotId,
          field: 'status',
          old_value: 'pending',
          new_value: { status: 'released', signer: 'Pia Pharmacist', meaning: releaseMeaning },
          reason: null,
        },
        {
          action: 'lot.reject',
          entity_id: created.lotId,
          field: 'status',
          old_value: 'pending',
          new_value: { status: 'rejected', signer: 'Pia Pharmacist', meaning: rejectMeaning },
          reason: 'Seal broken on arrival.',
        },
      ]);
    });

    it('judges particle count relative to the label', async () => {
      const created = await createLot(
        t,
        staff.pharmacist,
        { lotNumber: 'EXO-R2', unitId: freezerA, vialCount: 1 },
        false,
      );
      const low = await pharmacist().put(`/api/v1/product/lots/${created.lotId}/release-results`, {
        results: [{ testId: 'particle-count', value: CONCENTRATION * 0.7 }],
        version: 1,
      });
      const judgement = low.json().judgements.find((j: { testId: string }) => j.testId === 'particle-count');
      expect(judgement.pass).toBe(false);
      expect(judgement.message).toContain('70.0% of label');
    });
  });

  describe('excursion → quarantine → disposition', () => {
    let unitId: string;
    const start = Date.now() - 6 * HOUR;
    let codes: string[];

    beforeAll(async () => {
      unitId = await createUnit(t, staff.pharmacist, 'RJ-F2', users.siteId);
      ({ codes } = await createLot(t, staff.pharmacist, {
        lotNumber: 'EXO-X1',
        unitId,
        vialCount: 4,
        receivedAt: iso(start),
      }));
    });

    it('does not quarantine for an excursion within the tolerance', async () => {
      const response = await pharmacist().post(`/api/v1/product/storage-units/${unitId}/readings`, {
        readings: [
          { recordedAt: iso(start + 0.5 * HOUR), celsius: -80 },
          { recordedAt: iso(start + 0.6 * HOUR), celsius: -55 },
          { recordedAt: iso(start + 0.9 * HOUR), celsius: -79 },
        ],
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ inserted: 3, duplicates: 0, excursions: [] });
      expect((await vialByCode(t, staff.pharmacist, codes[0] ?? '')).quarantined).toBe(false);
    });

    it('refuses a typed reading that disagrees with one in the log or in the same entry, keeping what was there', async () => {
      const response = await pharmacist().post(`/api/v1/product/storage-units/${unitId}/readings`, {
        readings: [
          { recordedAt: iso(start + 0.6 * HOUR), celsius: -80 },
          { recordedAt: iso(start + 0.7 * HOUR), celsius: -80 },
          { recordedAt: iso(start + 0.7 * HOUR), celsius: -81 },
        ],
      });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().details.fields).toEqual([
        {
          field: 'readings.0.celsius',
          message: 'The log already holds -55 °C at this instant: correct the one that is wrong.',
        },
        {
          field: 'readings.2.celsius',
          message: 'Another reading of this entry has the same instant with another temperature.',
        },
      ]);
      const series = await pharmacist().get(`/api/v1/product/storage-units/${unitId}/readings`);
      expect(series.json().total).toBe(3);
    });

    it('quarantines every vial inside for an excursion longer than allowed, with zoned times', async () => {
      // The same instants written in Shanghai time: +08:00.
      const shanghai = (ms: number) => new Date(ms + 8 * HOUR).toISOString().replace('Z', '+08:00');
      const response = await pharmacist().post(`/api/v1/product/storage-units/${unitId}/readings`, {
        readings: [
          { recordedAt: shanghai(start + 2 * HOUR), celsius: -50 },
          { recordedAt: shanghai(start + 2.5 * HOUR), celsius: -40 },
          { recordedAt: shanghai(start + 3 * HOUR), celsius: -82 },
          { recordedAt: shanghai(start + 0.9 * HOUR), celsius: -79 },
        ],
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json().duplicates).toBe(1);
      const [excursion] = response.json().excursions;
      expect(excursion).toMatchObject({
        unitCode: 'RJ-F2',
        minutes: 60,
        maxCelsius: -40,
        vialsQuarantined: 4,
      });
      expect(excursion.startedAt).toBe(iso(start + 2 * HOUR));
      for (const code of codes) expect((await vialByCode(t, staff.pharmacist, code)).quarantined).toBe(true);
      const listed = await pharmacist().get('/api/v1/product/excursions');
      expect(
        listed.json().find((e: { excursionId: string }) => e.excursionId === excursion.excursionId),
      ).toMatchObject({
        vialsAwaitingDisposition: 4,
      });
      const series = await pharmacist().get(`/api/v1/product/storage-units/${unitId}/readings`);
      expect(series.json()).toMatchObject({ total: 6, excursions: [{ excursionId: excursion.excursionId }] });
    });

    it('dispositions: a reason and the password are required; release returns a vial to stock', async () => {
      const vial = await vialByCode(t, staff.pharmacist, codes[0] ?? '');
      const noReason = await pharmacist().post(`/api/v1/product/vials/${vial.vialId}/disposition`, {
        decision: 'release',
        reason: '',
        password: PASSWORD,
      });
      expect(noReason.statusCode).toBe(400);
      const byCoordinator = await as(t.app, users.coordinator).post(
        `/api/v1/product/vials/${vial.vialId}/disposition`,
        {
          decision: 'release',
          reason: 'stable',
          password: PASSWORD,
        },
      );
      expect(byCoordinator.statusCode).toBe(403);
      const released = await pharmacist().post(`/api/v1/product/vials/${vial.vialId}/disposition`, {
        decision: 'release',
        reason: 'One hour at −40 °C is covered by the −20 °C stability data.',
        password: PASSWORD,
      });
      expect(released.statusCode, released.body).toBe(200);
      expect(released.json()).toMatchObject({ quarantined: false, state: 'in_stock' });
      const twice = await pharmacist().post(`/api/v1/product/vials/${vial.vialId}/disposition`, {
        decision: 'destroy',
        reason: 'x',
        password: PASSWORD,
      });
      expect(twice.statusCode).toBe(409);
    });

    it('destroys the rest of the excursion at once, and the trail records who and why', async () => {
      const [excursion] = (await pharmacist().get('/api/v1/product/excursions')).json();
      const response = await pharmacist().post(
        `/api/v1/product/excursions/${excursion.excursionId}/disposition`,
        {
          decision: 'destroy',
          reason: 'Excursion above −60 °C for an hour: destroy per SOP.',
          password: PASSWORD,
        },
      );
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ vials: 3, vialsAwaitingDisposition: 0 });
      for (const code of codes.slice(1))
        expect((await vialByCode(t, staff.pharmacist, code)).state).toBe('destroyed');
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .selectAll()
          .where('study_id', '=', t.studyId)
          .where('action', '=', 'vial.disposition')
          .execute(),
      );
      expect(trail.map((event) => event.reason)).toContain(
        'Excursion above −60 °C for an hour: destroy per SOP.',
      );
    });
  });

  describe('dispensing', () => {
    let released: string[];
    let pending: string[];
    let expired: string[];
    let otherSite: string[];
    let quarantinedCode: string;
    let p1: string;
    let p2: string;
    let screening: string;
    let otherParticipant: string;

    beforeAll(async () => {
      released = (
        await createLot(t, staff.pharmacist, { lotNumber: 'EXO-D1', unitId: freezerA, vialCount: 6 })
      ).codes;
      pending = (
        await createLot(t, staff.pharmacist, { lotNumber: 'EXO-D2', unitId: freezerA, vialCount: 1 }, false)
      ).codes;
      const sevenMonthsAgo = new Date(Date.now() - 214 * 86_400_000).toISOString().slice(0, 10);
      expired = (
        await createLot(t, staff.pharmacist, {
          lotNumber: 'EXO-D3',
          unitId: freezerA,
          vialCount: 1,
          manufacturedOn: sevenMonthsAgo,
        })
      ).codes;
      otherSite = (
        await createLot(t, staff.otherPharmacist, { lotNumber: 'EXO-D4', unitId: freezerB, vialCount: 2 })
      ).codes;
      // A quarantined vial: a unit whose excursion is entered by hand.
      const warm = await createUnit(t, staff.pharmacist, 'RJ-F3', users.siteId);
      const q = await createLot(t, staff.pharmacist, {
        lotNumber: 'EXO-D5',
        unitId: warm,
        vialCount: 1,
        receivedAt: iso(Date.now() - 3 * HOUR),
      });
      quarantinedCode = q.codes[0] ?? '';
      await pharmacist().post(`/api/v1/product/storage-units/${warm}/readings`, {
        readings: [
          { recordedAt: iso(Date.now() - 2 * HOUR), celsius: -10 },
          { recordedAt: iso(Date.now() - HOUR), celsius: -10 },
        ],
      });
      p1 = await enrolledParticipant(t, users.siteId, 'RJ-001', today);
      p2 = await enrolledParticipant(t, users.siteId, 'RJ-002', today);
      screening = await enrolledParticipant(t, users.siteId, 'RJ-S09', today, 'screening');
      otherParticipant = await enrolledParticipant(t, users.otherSiteId, 'OH-001', today);
    });

    const dispense = (participantId: string, visitId: string, scannedCode: string, expectedVialId?: string) =>
      (async () => {
        const expected =
          expectedVialId ??
          (
            await vialByCode(t, staff.pharmacist, scannedCode).catch(() => ({
              vialId: '00000000-0000-4000-8000-000000000000',
            }))
          ).vialId;
        return pharmacist().post('/api/v1/product/dispensings', {
          participantId,
          visitId,
          expectedVialId: expected,
          scannedCode,
        });
      })();

    const expectRefusal = async (
      response: Awaited<ReturnType<typeof dispense>>,
      reason: string,
      status = 409,
    ) => {
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json().details.reason).toBe(reason);
      expect(response.json().message.length).toBeGreaterThan(20);
    };

    it('proposes a released, unquarantined, unexpired vial at the participant’s site, first expiring first', async () => {
      const response = await pharmacist().get(`/api/v1/product/participants/${p1}/proposal?visitId=day-1`);
      expect(response.statusCode, response.body).toBe(200);
      const proposal = response.json();
      expect(proposal.vial.siteId).toBe(users.siteId);
      expect(proposal.vial.lotStatus).toBe('released');
      expect(proposal.vial.quarantined).toBe(false);
      expect([...released, 'EXO-R1-0001', 'EXO-R1-0002', 'EXO-R1-0003', 'EXO-X1-0001']).toContain(
        proposal.vial.code,
      );
      expect(proposal.vial.code).not.toBe(expired[0]);
    });

    it('refuses a code no vial has', async () => {
      await expectRefusal(await dispense(p1, 'day-1', 'NOT-A-VIAL'), 'unknown_vial', 404);
    });

    it('refuses a vial other than the proposed one', async () => {
      const proposed = await vialByCode(t, staff.pharmacist, released[0] ?? '');
      const response = await dispense(p1, 'day-1', released[1] ?? '', proposed.vialId);
      await expectRefusal(response, 'wrong_vial');
      expect(response.json().message).toContain(released[0]);
    });

    it('refuses a vial of a lot not released', async () => {
      await expectRefusal(await dispense(p1, 'day-1', pending[0] ?? ''), 'lot_not_released');
    });

    it('refuses a quarantined vial', async () => {
      await expectRefusal(await dispense(p1, 'day-1', quarantinedCode), 'quarantined');
    });

    it('refuses an expired vial (made seven months ago, stable six at −80 °C)', async () => {
      await expectRefusal(await dispense(p1, 'day-1', expired[0] ?? ''), 'expired');
    });

    it('refuses a vial of another site', async () => {
      await expectRefusal(await dispense(p1, 'day-1', otherSite[0] ?? ''), 'other_site');
    });

    it('refuses a participant who is not on treatment, a visit that is not a dose, and a visit out of its window', async () => {
      await expectRefusal(
        await dispense(screening, 'day-1', released[0] ?? ''),
        'participant_not_on_treatment',
      );
      await expectRefusal(await dispense(p1, 'screening', released[0] ?? ''), 'not_a_dose_visit');
      await expectRefusal(await dispense(p1, 'day-5', released[0] ?? ''), 'outside_visit_window');
    });

    it('refuses people without the permission or of another site', async () => {
      const byCoordinator = await as(t.app, users.coordinator).post('/api/v1/product/dispensings', {
        participantId: p1,
        visitId: 'day-1',
        expectedVialId: (await vialByCode(t, staff.pharmacist, released[0] ?? '')).vialId,
        scannedCode: released[0],
      });
      expect(byCoordinator.statusCode).toBe(403);
      const byOtherPharmacist = await as(t.app, staff.otherPharmacist).post('/api/v1/product/dispensings', {
        participantId: p1,
        visitId: 'day-1',
        expectedVialId: (await vialByCode(t, staff.pharmacist, released[0] ?? '')).vialId,
        scannedCode: released[0],
      });
      expect(byOtherPharmacist.statusCode).toBe(403);
      const theirOwn = await as(t.app, staff.otherPharmacist).get(
        `/api/v1/product/participants/${otherParticipant}/proposal?visitId=day-1`,
      );
      expect(theirOwn.json().vial.code).toBe(otherSite[0]);
    });

    it('dispenses the proposed vial, thawing it now, and records who and when', async () => {
      const code = released[0] ?? '';
      const response = await dispense(p1, 'day-1', code);
      expect(response.statusCode, response.body).toBe(201);
      const dispensing = response.json();
      expect(dispensing).toMatchObject({
        participantId: p1,
        visitId: 'day-1',
        vialCode: code,
        lotNumber: 'EXO-D1',
        dispensedBy: 'Pia Pharmacist',
      });
      expect(Date.parse(dispensing.useBy) - Date.parse(dispensing.thawedAt)).toBe(6 * HOUR);
      const rows = await t.database.read((db) =>
        db
          .selectFrom('dispensing')
          .select(['participant_id', 'visit_id', 'vial_id', 'dispensed_at', 'dispensed_by'])
          .where('study_id', '=', t.studyId)
          .execute(),
      );
      expect(rows).toHaveLength(1);
    });

    it('refuses a second vial for the same dose, and an already-used vial', async () => {
      await expectRefusal(await dispense(p1, 'day-1', released[1] ?? ''), 'dose_already_dispensed');
      await expectRefusal(await dispense(p2, 'day-1', released[0] ?? ''), 'already_used');
    });

    it('refuses a thawed vial past the thaw-to-use window, and never refreezes it', async () => {
      const code = released[2] ?? '';
      const vial = await vialByCode(t, staff.pharmacist, code);
      const thawed = await pharmacist().post(`/api/v1/product/vials/${vial.vialId}/thaw`, {
        version: vial.version,
      });
      expect(thawed.statusCode, thawed.body).toBe(200);
      const refreeze = await pharmacist().post(`/api/v1/product/vials/${vial.vialId}/move`, {
        unitId: freezerA,
        version: thawed.json().version,
      });
      expect(refreeze.statusCode).toBe(409);
      expect(refreeze.json().message).toContain('refreezing');
      // Seven hours pass: the thaw time is moved back, as the clock cannot be.
      await t.database.transaction((trx) =>
        trx
          .updateTable('vial')
          .set({ thawed_at: new Date(Date.now() - 7 * HOUR) })
          .where('study_id', '=', t.studyId)
          .where('code', '=', code)
          .execute(),
      );
      await expectRefusal(await dispense(p2, 'day-1', code), 'thaw_window_passed');
    });

    it('proposes nothing when nothing usable is left, and says so', async () => {
      const other = await as(t.app, staff.otherPharmacist);
      for (const code of otherSite) {
        const vial = await vialByCode(t, staff.otherPharmacist, code);
        const response = await other.post(`/api/v1/product/vials/${vial.vialId}/destroy`, {
          reason: 'Vial cracked',
          version: vial.version,
        });
        expect(response.statusCode, response.body).toBe(200);
      }
      const response = await other.get(
        `/api/v1/product/participants/${otherParticipant}/proposal?visitId=day-1`,
      );
      expect(response.statusCode).toBe(409);
      expect(response.json().details.reason).toBe('no_vial_available');
      // A destroyed vial scanned anyway is refused as used, like a dispensed one.
      const destroyed = await vialByCode(t, staff.otherPharmacist, otherSite[0] ?? '');
      const scanned = await other.post('/api/v1/product/dispensings', {
        participantId: otherParticipant,
        visitId: 'day-1',
        expectedVialId: destroyed.vialId,
        scannedCode: otherSite[0],
      });
      await expectRefusal(scanned, 'already_used');
      expect(scanned.json().message).toContain('is destroyed');
    });
  });
});
