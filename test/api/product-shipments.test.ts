import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { custodyMeanings } from '../../src/product/shipment.service.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import {
  createLot,
  createPharmacists,
  createUnit,
  enrolledParticipant,
  type Pharmacists,
  vialByCode,
} from './product-fixtures.ts';

const MINUTE = 60_000;
const NO_SUCH_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Shipments through HTTP: pack, hand to the courier and receive, each hand-over signed, from one
 * site's freezer to the other's in a shipping container whose logger data is imported afterwards.
 */
describeEachDatabase('shipments and chain of custody', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  let freezerA: string;
  let freezerB: string;
  let container: string;
  let codes: string[];
  let shipmentId: string;
  let receiver: string;
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
    container = await createUnit(t, staff.pharmacist, 'DRY-ICE-1', null, {
      kind: 'shipping_container',
      name: 'Dry-ice shipper',
    });
    ({ codes } = await createLot(t, staff.pharmacist, {
      lotNumber: 'EXO-S1',
      unitId: freezerA,
      vialCount: 5,
      receivedAt: new Date(Date.now() - 3 * 60 * MINUTE).toISOString(),
    }));
    receiver = await enrolledParticipant(t, users.otherSiteId, 'OH-101', today);
  });
  afterAll(async () => t?.close());

  const sender = () => as(t.app, staff.pharmacist);
  const recipient = () => as(t.app, staff.otherPharmacist);
  const shipped = () => codes.slice(0, 3);
  const shipment = async (id = shipmentId) => {
    const response = await sender().get('/api/v1/product/shipments');
    expect(response.statusCode, response.body).toBe(200);
    return response.json().find((entry: { shipmentId: string }) => entry.shipmentId === id);
  };
  const custodyCount = () =>
    t.database.read(async (db) =>
      Number(
        (
          await db
            .selectFrom('custody_signature')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('study_id', '=', t.studyId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );

  describe('packing', () => {
    it('refuses bad packing requests, naming what to fix, and writes nothing', async () => {
      const base = {
        fromUnitId: freezerA,
        toUnitId: freezerB,
        containerUnitId: container,
        vialCodes: shipped(),
        password: PASSWORD,
      };
      const unknown = await sender().post('/api/v1/product/shipments', {
        ...base,
        vialCodes: [codes[0], 'NO-SUCH-VIAL'],
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().details.fields).toEqual([
        { field: 'vialCodes.NO-SUCH-VIAL', message: 'NO-SUCH-VIAL: no vial has this code.' },
      ]);
      const sameUnit = await sender().post('/api/v1/product/shipments', { ...base, toUnitId: freezerA });
      expect(sameUnit.statusCode).toBe(400);
      expect(sameUnit.json().details.fields[0].field).toBe('toUnitId');
      const notAContainer = await sender().post('/api/v1/product/shipments', {
        ...base,
        containerUnitId: freezerB,
      });
      expect(notAContainer.statusCode).toBe(400);
      expect(notAContainer.json().details.fields[0].message).toContain('not a shipping container');
      const malformed = await sender().post('/api/v1/product/shipments', { ...base, toUnitId: 'freezer-b' });
      expect(malformed.statusCode).toBe(400);
      const unknownUnit = await sender().post('/api/v1/product/shipments', { ...base, toUnitId: NO_SUCH_ID });
      expect(unknownUnit.statusCode).toBe(404);
      const wrongPassword = await sender().post('/api/v1/product/shipments', {
        ...base,
        password: 'not my password',
      });
      expect(wrongPassword.statusCode).toBe(401);
      const otherSite = await recipient().post('/api/v1/product/shipments', base);
      expect(otherSite.statusCode).toBe(403);
      const byCoordinator = await as(t.app, users.coordinator).post('/api/v1/product/shipments', base);
      expect(byCoordinator.statusCode).toBe(403);
      expect((await sender().get('/api/v1/product/shipments')).json()).toEqual([]);
      expect(await custodyCount()).toBe(0);
    });

    it('packs vials with the packer’s signature; they stay in stock at the sender until shipped', async () => {
      const response = await sender().post('/api/v1/product/shipments', {
        fromUnitId: freezerA,
        toUnitId: freezerB,
        containerUnitId: container,
        vialCodes: [...shipped(), codes[0]],
        password: PASSWORD,
      });
      expect(response.statusCode, response.body).toBe(201);
      const packed = response.json();
      shipmentId = packed.shipmentId;
      expect(packed).toMatchObject({
        status: 'packed',
        fromUnitId: freezerA,
        toUnitId: freezerB,
        containerUnitId: container,
        courier: null,
        shippedAt: null,
        vialCodes: shipped(),
        version: 1,
      });
      expect(packed.custody).toEqual([
        expect.objectContaining({
          step: 'pack',
          fromParty: 'RJ-F1',
          toParty: 'Pia Pharmacist',
          signerName: 'Pia Pharmacist',
          meaning: custodyMeanings.pack,
        }),
      ]);
      for (const code of shipped()) {
        expect(await vialByCode(t, staff.pharmacist, code)).toMatchObject({ state: 'in_stock' });
      }
    });

    it('does not receive a shipment that has not left', async () => {
      const early = await recipient().post(`/api/v1/product/shipments/${shipmentId}/receive`, {
        condition: 'acceptable',
        password: PASSWORD,
        version: 1,
      });
      expect(early.statusCode).toBe(409);
      expect(early.json().message).toContain('packed, not on its way');
    });
  });

  describe('hand-over to the courier', () => {
    it('refuses a missing courier, a stale version, a wrong password, an unknown or malformed id', async () => {
      const url = `/api/v1/product/shipments/${shipmentId}/ship`;
      const noCourier = await sender().post(url, { courier: ' ', password: PASSWORD, version: 1 });
      expect(noCourier.statusCode).toBe(400);
      expect(noCourier.json().details.fields[0].message).toBe('Name the courier who takes the shipment.');
      const stale = await sender().post(url, { courier: 'Cold Chain Co.', password: PASSWORD, version: 7 });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().message).toContain('reload it');
      const wrongPassword = await sender().post(url, {
        courier: 'Cold Chain Co.',
        password: 'guess',
        version: 1,
      });
      expect(wrongPassword.statusCode).toBe(401);
      const unknown = await sender().post(`/api/v1/product/shipments/${NO_SUCH_ID}/ship`, {
        courier: 'Cold Chain Co.',
        password: PASSWORD,
        version: 1,
      });
      expect(unknown.statusCode).toBe(404);
      const malformed = await sender().post('/api/v1/product/shipments/shipment-1/ship', {
        courier: 'Cold Chain Co.',
        password: PASSWORD,
        version: 1,
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().details.fields[0].message).toBe('Not a shipment id.');
      const byReceiver = await recipient().post(url, {
        courier: 'Cold Chain Co.',
        password: PASSWORD,
        version: 1,
      });
      expect(byReceiver.statusCode).toBe(403);
      expect((await shipment()).status).toBe('packed');
    });

    it('hands the shipment to the courier, signed: the vials are in transit in the container', async () => {
      const response = await sender().post(`/api/v1/product/shipments/${shipmentId}/ship`, {
        courier: 'Cold Chain Co.',
        password: PASSWORD,
        version: 1,
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ status: 'shipped', courier: 'Cold Chain Co.', version: 2 });
      expect(response.json().custody.map((entry: { step: string }) => entry.step)).toEqual(['pack', 'ship']);
      expect(response.json().custody[1]).toMatchObject({
        fromParty: 'Pia Pharmacist',
        toParty: 'Cold Chain Co.',
        signerName: 'Pia Pharmacist',
        meaning: custodyMeanings.ship,
      });
      for (const code of shipped()) {
        const vial = await sender().get(`/api/v1/product/vials/by-code/${code}`);
        expect(vial.json()).toMatchObject({ state: 'in_transit', siteId: null, unitCode: 'DRY-ICE-1' });
      }
      const again = await sender().post(`/api/v1/product/shipments/${shipmentId}/ship`, {
        courier: 'Cold Chain Co.',
        password: PASSWORD,
        version: 2,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().message).toContain('already shipped');
    });

    it('refuses to dispense a vial in transit, with the reason, and never proposes one', async () => {
      const proposal = await recipient().get(
        `/api/v1/product/participants/${receiver}/proposal?visitId=day-1`,
      );
      expect(proposal.statusCode).toBe(409);
      expect(proposal.json().details.reason).toBe('no_vial_available');
      const code = shipped()[0] ?? '';
      const vial = await vialByCode(t, staff.pharmacist, code);
      const refused = await recipient().post('/api/v1/product/dispensings', {
        participantId: receiver,
        visitId: 'day-1',
        expectedVialId: vial.vialId,
        scannedCode: code,
      });
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json().details.reason).toBe('in_transit');
      expect(refused.json().message).toBe(`Vial ${code} is in transit and has not been received.`);
      expect((await vialByCode(t, staff.pharmacist, code)).state).toBe('in_transit');
    });
  });

  describe('receipt', () => {
    it('refuses the sender’s site, an unacceptable condition without a note, and a wrong password', async () => {
      const url = `/api/v1/product/shipments/${shipmentId}/receive`;
      const bySender = await sender().post(url, { condition: 'acceptable', password: PASSWORD, version: 2 });
      expect(bySender.statusCode).toBe(403);
      const noNote = await recipient().post(url, {
        condition: 'not_acceptable',
        password: PASSWORD,
        version: 2,
      });
      expect(noNote.statusCode).toBe(400);
      expect(noNote.json().details.fields[0]).toMatchObject({
        field: 'body.note',
        message: 'Describe what is wrong with the shipment.',
      });
      const wrongPassword = await recipient().post(url, {
        condition: 'acceptable',
        password: 'guess',
        version: 2,
      });
      expect(wrongPassword.statusCode).toBe(401);
      const unknown = await recipient().post(`/api/v1/product/shipments/${NO_SUCH_ID}/receive`, {
        condition: 'acceptable',
        password: PASSWORD,
        version: 2,
      });
      expect(unknown.statusCode).toBe(404);
      expect((await shipment()).status).toBe('shipped');
    });

    it('receives with the condition check, signed: the vials enter the receiving freezer', async () => {
      const response = await recipient().post(`/api/v1/product/shipments/${shipmentId}/receive`, {
        condition: 'acceptable',
        note: 'Dry ice present, seal intact',
        password: PASSWORD,
        version: 2,
      });
      expect(response.statusCode, response.body).toBe(200);
      const received = response.json();
      expect(received).toMatchObject({
        status: 'received',
        condition: 'acceptable',
        conditionNote: 'Dry ice present, seal intact',
        version: 3,
      });
      // Every hand-over is signed: sender's freezer → packer → courier → receiver.
      expect(
        received.custody.map((entry: { step: string; fromParty: string; toParty: string }) => [
          entry.step,
          entry.fromParty,
          entry.toParty,
        ]),
      ).toEqual([
        ['pack', 'RJ-F1', 'Pia Pharmacist'],
        ['ship', 'Pia Pharmacist', 'Cold Chain Co.'],
        ['receive', 'Cold Chain Co.', 'Other Pharmacist'],
      ]);
      expect(received.custody[2].meaning).toBe(custodyMeanings.receive);
      for (const code of shipped()) {
        const vial = await recipient().get(`/api/v1/product/vials/by-code/${code}`);
        expect(vial.json()).toMatchObject({
          state: 'in_stock',
          siteId: users.otherSiteId,
          unitCode: 'OH-F1',
          quarantined: false,
        });
      }
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'entity_id'])
          .where('study_id', '=', t.studyId)
          .where('action', 'like', 'shipment.%')
          .orderBy('seq')
          .execute(),
      );
      expect(trail).toEqual([
        { action: 'shipment.pack', entity_id: shipmentId },
        { action: 'shipment.ship', entity_id: shipmentId },
        { action: 'shipment.receive', entity_id: shipmentId },
      ]);
      const handOvers = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'new_value'])
          .where('study_id', '=', t.studyId)
          .where('action', 'in', ['shipment.ship', 'shipment.receive'])
          .orderBy('seq')
          .execute(),
      );
      expect(handOvers).toEqual([
        {
          action: 'shipment.ship',
          new_value: { courier: 'Cold Chain Co.', vials: shipped().length, signer: 'Pia Pharmacist' },
        },
        {
          action: 'shipment.receive',
          new_value: {
            condition: 'acceptable',
            note: 'Dry ice present, seal intact',
            vials: shipped().length,
            signer: 'Other Pharmacist',
          },
        },
      ]);
    });

    it('refuses to receive twice', async () => {
      const twice = await recipient().post(`/api/v1/product/shipments/${shipmentId}/receive`, {
        condition: 'acceptable',
        password: PASSWORD,
        version: 3,
      });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().message).toContain('received, not on its way');
      expect((await shipment()).custody).toHaveLength(3);
    });

    it('the container’s logger data, imported after arrival, quarantines the vials that travelled in it', async () => {
      const { shippedAt, receivedAt } = await shipment();
      const line = (at: number, celsius: number) => `${new Date(at).toISOString()},${celsius}`;
      const shippedMs = Date.parse(shippedAt);
      const file = [
        'Serial,DL-1001',
        'Date Time,Temperature (°C)',
        line(shippedMs - 60 * MINUTE, -78),
        line(shippedMs - 45 * MINUTE, -35),
        line(shippedMs - 10 * MINUTE, -30),
        line(Math.max(Date.parse(receivedAt) + 1000, Date.now()), -79),
      ].join('\n');
      const response = await t.app.inject({
        method: 'POST',
        url: `/api/v1/product/storage-units/${container}/temperature-imports?fileName=dl-1001.csv`,
        headers: { ...staff.pharmacist.headers, 'content-type': 'text/csv' },
        payload: file,
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ rowsImported: 4, rowsBad: 0 });
      expect(response.json().excursions).toHaveLength(1);
      expect(response.json().excursions[0]).toMatchObject({ unitCode: 'DRY-ICE-1', vialsQuarantined: 3 });
      for (const code of shipped()) {
        const vial = await recipient().get(`/api/v1/product/vials/by-code/${code}`);
        expect(vial.json()).toMatchObject({ state: 'in_stock', quarantined: true });
        expect(vial.json().quarantineReason).toContain('DRY-ICE-1');
      }
      // The vials that stayed home were never in the container.
      expect((await vialByCode(t, staff.pharmacist, codes[3] ?? '')).quarantined).toBe(false);
    });

    it('a shipment received in unacceptable condition quarantines every vial with the note', async () => {
      const packed = await sender().post('/api/v1/product/shipments', {
        fromUnitId: freezerA,
        toUnitId: freezerB,
        containerUnitId: null,
        vialCodes: [codes[3]],
        password: PASSWORD,
      });
      expect(packed.statusCode, packed.body).toBe(201);
      const id = packed.json().shipmentId;
      const handed = await sender().post(`/api/v1/product/shipments/${id}/ship`, {
        courier: 'Hospital van',
        password: PASSWORD,
        version: 1,
      });
      expect(handed.statusCode, handed.body).toBe(200);
      const received = await recipient().post(`/api/v1/product/shipments/${id}/receive`, {
        condition: 'not_acceptable',
        note: 'Box warm to the touch, no dry ice left',
        password: PASSWORD,
        version: 2,
      });
      expect(received.statusCode, received.body).toBe(200);
      expect(received.json()).toMatchObject({ condition: 'not_acceptable', status: 'received' });
      const vial = await recipient().get(`/api/v1/product/vials/by-code/${codes[3]}`);
      expect(vial.json()).toMatchObject({ state: 'in_stock', siteId: users.otherSiteId, quarantined: true });
      expect(vial.json().quarantineReason).toContain('Box warm to the touch');
    });

    it('the custody trail balances in the accountability report', async () => {
      const response = await as(t.app, users.dataManager).get('/api/v1/product/accountability');
      expect(response.statusCode, response.body).toBe(200);
      const report = response.json();
      expect(report.imbalances).toEqual([]);
      const at = (site: string) =>
        report.sites.find(
          (row: { lotNumber: string; site: string }) => row.lotNumber === 'EXO-S1' && row.site === site,
        );
      expect(at(users.siteId)).toMatchObject({ received: 5, returned: 4, onHand: 1, difference: 0 });
      expect(at(users.otherSiteId)).toMatchObject({ received: 4, onHand: 4, difference: 0 });
    });
  });
});
