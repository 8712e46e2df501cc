import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { pdfText } from '../support/pdf-text.ts';
import { createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import {
  createLot,
  createPharmacists,
  createUnit,
  enrolledParticipant,
  type Pharmacists,
  vialByCode,
} from './product-fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

interface Counts {
  byState: Record<string, number>;
  available: number;
  quarantined: number;
  expiringSoon: number;
  expired: number;
  notReleased: number;
  nextUseBy: string | null;
}
interface Inventory {
  expiringWithinDays: number;
  sites: Array<Counts & { siteId: string | null }>;
  units: Array<Counts & { unitId: string; code: string; excursionsAwaitingDisposition: number }>;
  lots: Array<Counts & { lotId: string; lotNumber: string; status: string }>;
}

/**
 * A site with a freezer holding a released lot (one vial thawed past its window), a lot close to its
 * shelf expiry (one vial dispensed) and a lot pending release; a second freezer whose excursion
 * quarantined its vials; another site's freezer; an empty depot.
 */
describeEachDatabase('product inventory and labels', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let staff: Pharmacists;
  const units = {} as Record<'main' | 'warm' | 'depot' | 'other', string>;
  const lots = {} as Record<
    'fresh' | 'old' | 'pending' | 'warm' | 'other',
    { lotId: string; codes: string[] }
  >;
  const today = dateInZone(new Date(), 'Asia/Shanghai');
  const twoDaysAgo = Date.now() - 2 * DAY;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    staff = await createPharmacists(t, users);
    units.main = await createUnit(t, staff.pharmacist, 'RJ-F1', users.siteId);
    units.warm = await createUnit(t, staff.pharmacist, 'RJ-F2', users.siteId);
    units.depot = await createUnit(t, staff.pharmacist, 'DEPOT-1', null);
    units.other = await createUnit(t, staff.otherPharmacist, 'OH-F1', users.otherSiteId);
    const received = iso(twoDaysAgo);
    lots.fresh = await createLot(t, staff.pharmacist, {
      lotNumber: 'EXO-FRESH',
      unitId: units.main,
      vialCount: 4,
      receivedAt: received,
    });
    // Made 170 days ago: about 12 days of its 6 months at −80 °C are left.
    lots.old = await createLot(t, staff.pharmacist, {
      lotNumber: 'EXO-OLD',
      unitId: units.main,
      vialCount: 2,
      manufacturedOn: new Date(Date.now() - 170 * DAY).toISOString().slice(0, 10),
      receivedAt: received,
    });
    lots.pending = await createLot(
      t,
      staff.pharmacist,
      { lotNumber: 'EXO-PEND', unitId: units.main, vialCount: 3, receivedAt: received },
      false,
    );
    lots.warm = await createLot(t, staff.pharmacist, {
      lotNumber: 'EXO-WARM',
      unitId: units.warm,
      vialCount: 2,
      receivedAt: received,
    });
    lots.other = await createLot(t, staff.otherPharmacist, {
      lotNumber: 'EXO-OTHER',
      unitId: units.other,
      vialCount: 2,
      receivedAt: received,
    });

    // One vial of the old lot dispensed (the proposal takes the first to expire).
    const participantId = await enrolledParticipant(t, users.siteId, 'RJ-001', today);
    const proposal = await as(t.app, staff.pharmacist).get(
      `/api/v1/product/participants/${participantId}/proposal?visitId=day-1`,
    );
    expect(proposal.statusCode, proposal.body).toBe(200);
    expect(proposal.json().vial.lotNumber).toBe('EXO-OLD');
    const dispensed = await as(t.app, staff.pharmacist).post('/api/v1/product/dispensings', {
      participantId,
      visitId: 'day-1',
      expectedVialId: proposal.json().vial.vialId,
      scannedCode: proposal.json().vial.code,
    });
    expect(dispensed.statusCode, dispensed.body).toBe(201);

    // A fresh vial thawed 7 hours ago: past the 6-hour thaw-to-use window.
    const thawing = await vialByCode(t, staff.pharmacist, lots.fresh.codes[0] ?? '');
    const thawed = await as(t.app, staff.pharmacist).post(`/api/v1/product/vials/${thawing.vialId}/thaw`, {
      version: thawing.version,
    });
    expect(thawed.statusCode, thawed.body).toBe(200);
    await t.database.transaction((trx) =>
      trx
        .updateTable('vial')
        .set({ thawed_at: new Date(Date.now() - 7 * HOUR) })
        .where('study_id', '=', t.studyId)
        .where('vial_id', '=', thawing.vialId)
        .execute(),
    );

    // Two hours above −60 °C in the second freezer: its vials are quarantined.
    const readings = await as(t.app, staff.pharmacist).post(
      `/api/v1/product/storage-units/${units.warm}/readings`,
      {
        readings: [
          { recordedAt: iso(Date.now() - 5 * HOUR), celsius: -80 },
          { recordedAt: iso(Date.now() - 4 * HOUR), celsius: -45 },
          { recordedAt: iso(Date.now() - 3 * HOUR), celsius: -50 },
          { recordedAt: iso(Date.now() - 2 * HOUR), celsius: -81 },
        ],
      },
    );
    expect(readings.statusCode, readings.body).toBe(201);
    expect(readings.json().excursions).toHaveLength(1);
  });
  afterAll(async () => t?.close());

  const inventory = async (user = staff.pharmacist, query = '') => {
    const response = await as(t.app, user).get(`/api/v1/product/inventory${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Inventory;
  };
  const unitOf = (view: Inventory, code: string) => view.units.find((unit) => unit.code === code);
  const lotOf = (view: Inventory, lotNumber: string) => view.lots.find((lot) => lot.lotNumber === lotNumber);

  describe('inventory summary', () => {
    it('counts each unit: available, expired by the thaw window, soon to expire, not released', async () => {
      const view = await inventory();
      expect(view.expiringWithinDays).toBe(30);
      expect(view.units.map((unit) => unit.code)).toEqual(['DEPOT-1', 'RJ-F1', 'RJ-F2']);
      expect(unitOf(view, 'RJ-F1')).toMatchObject({
        byState: { in_stock: 4 + 1 + 3, in_transit: 0, dispensed: 0, destroyed: 0, lost: 0 },
        available: 3 + 1,
        quarantined: 0,
        expired: 1,
        expiringSoon: 1,
        notReleased: 3,
        excursionsAwaitingDisposition: 0,
      });
      expect(unitOf(view, 'RJ-F2')).toMatchObject({
        byState: { in_stock: 2 },
        available: 0,
        quarantined: 2,
        excursionsAwaitingDisposition: 1,
      });
      expect(unitOf(view, 'DEPOT-1')).toMatchObject({ byState: { in_stock: 0 }, available: 0 });
      // The soonest use-by of the main freezer is the old lot's, about 12 days from now.
      const next = Date.parse(unitOf(view, 'RJ-F1')?.nextUseBy ?? '');
      expect(next - Date.now()).toBeGreaterThan(10 * DAY);
      expect(next - Date.now()).toBeLessThan(14 * DAY);
    });

    it('counts each site by state (the dispensed vial stays with its site) and each lot with its release status', async () => {
      const view = await inventory();
      expect(view.sites.map((site) => site.siteId)).toEqual([null, users.siteId]);
      expect(view.sites.find((site) => site.siteId === users.siteId)).toMatchObject({
        byState: { in_stock: 10, dispensed: 1 },
        available: 4,
        quarantined: 2,
        expired: 1,
        expiringSoon: 1,
        notReleased: 3,
      });
      expect(lotOf(view, 'EXO-OLD')).toMatchObject({
        status: 'released',
        byState: { in_stock: 1, dispensed: 1 },
        expiringSoon: 1,
      });
      expect(lotOf(view, 'EXO-PEND')).toMatchObject({ status: 'pending', notReleased: 3, available: 0 });
      // Another site's vials are not counted for this pharmacist; the data manager sees every site.
      expect(lotOf(view, 'EXO-OTHER')).toMatchObject({ byState: { in_stock: 0 } });
      const everyone = await inventory(users.dataManager);
      expect(everyone.units.map((unit) => unit.code)).toContain('OH-F1');
      expect(lotOf(everyone, 'EXO-OTHER')).toMatchObject({ byState: { in_stock: 2 }, available: 2 });
    });

    it('agrees with the vial list of each unit', async () => {
      const view = await inventory(users.dataManager);
      for (const unit of view.units) {
        const list = await as(t.app, users.dataManager).get(`/api/v1/product/vials?unitId=${unit.unitId}`);
        const inUnit = Object.values(unit.byState).reduce((sum, n) => sum + n, 0);
        expect(inUnit, unit.code).toBe(list.json().total);
        const quarantined = await as(t.app, users.dataManager).get(
          `/api/v1/product/vials?unitId=${unit.unitId}&quarantined=true`,
        );
        expect(unit.quarantined, unit.code).toBe(quarantined.json().total);
      }
    });

    it('takes the expiry horizon from the query and refuses a bad one with what to fix', async () => {
      expect(unitOf(await inventory(staff.pharmacist, '?expiringWithinDays=7'), 'RJ-F1')?.expiringSoon).toBe(
        0,
      );
      expect(unitOf(await inventory(staff.pharmacist, '?expiringWithinDays=60'), 'RJ-F1')?.expiringSoon).toBe(
        1,
      );
      for (const bad of ['0', '400', 'soon', '2.5']) {
        const response = await as(t.app, staff.pharmacist).get(
          `/api/v1/product/inventory?expiringWithinDays=${bad}`,
        );
        expect(response.statusCode, bad).toBe(400);
        expect(response.json().details.fields[0].message).toMatch(/horizon/);
      }
    });

    it('shows the excursion as dispositioned once signed, with the decision, the signer and the reason', async () => {
      const [excursion] = (await as(t.app, staff.pharmacist).get('/api/v1/product/excursions'))
        .json()
        .filter((entry: { unitCode: string }) => entry.unitCode === 'RJ-F2');
      expect(excursion).toMatchObject({ vialsAwaitingDisposition: 2, dispositions: [] });
      const reason = 'Two hours at −45 °C are covered by the −20 °C stability data.';
      const signed = await as(t.app, staff.pharmacist).post(
        `/api/v1/product/excursions/${excursion.excursionId}/disposition`,
        { decision: 'release', reason, password: PASSWORD },
      );
      expect(signed.statusCode, signed.body).toBe(200);
      expect(signed.json()).toMatchObject({
        vialsAwaitingDisposition: 0,
        dispositions: [{ decision: 'release', vials: 2, reason, decidedBy: 'Pia Pharmacist' }],
      });
      const view = await inventory();
      expect(unitOf(view, 'RJ-F2')).toMatchObject({
        quarantined: 0,
        available: 2,
        excursionsAwaitingDisposition: 0,
      });
    });

    it('needs product.read: the administrator, who manages accounts, gets 403', async () => {
      const admin = await signIn(t.app, 'admin@example.org', 'a strong root secret');
      expect((await as(t.app, admin).get('/api/v1/product/inventory')).statusCode).toBe(403);
    });
  });

  describe('label PDF', () => {
    const labels = (query: string, user = staff.pharmacist) =>
      as(t.app, user).get(`/api/v1/product/labels.pdf?${query}`);

    it('prints a lot on one A4 sheet: each code, its lot and expiry readable', async () => {
      const response = await labels(`lotId=${lots.fresh.lotId}`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-disposition']).toContain('labels-EXO-FRESH.pdf');
      expect(response.headers['x-label-count']).toBe('4');
      const { pages, lines } = pdfText(response.rawPayload);
      expect(pages).toBe(1);
      for (const code of lots.fresh.codes) expect(lines).toContain(code);
      expect(lines.filter((line) => line === 'Lot EXO-FRESH')).toHaveLength(4);
      const vial = await as(t.app, staff.pharmacist).get(
        `/api/v1/product/vials/by-code/${lots.fresh.codes[1]}`,
      );
      expect(lines).toContain(`EXP ${vial.json().expiresAt.slice(0, 10)}`);
      expect(lines).toContain('MEXCOVID · NCT04276987');
      expect(lines).toContain('Store at -80 °C');
    });

    it('prints one label per page on a roll, and chosen vials by code with QR codes', async () => {
      const roll = await labels(`lotId=${lots.fresh.lotId}&layout=roll`);
      expect(roll.statusCode, roll.body).toBe(200);
      expect(pdfText(roll.rawPayload).pages).toBe(4);
      const chosen = [lots.old.codes[1], lots.pending.codes[2]].join(',');
      const response = await labels(`codes=${encodeURIComponent(chosen)}&symbology=qrcode`);
      expect(response.statusCode, response.body).toBe(200);
      const { pages, lines } = pdfText(response.rawPayload);
      expect(pages).toBe(1);
      expect(lines.filter((line) => /^EXO-(OLD|PEND)-\d{4}$/.test(line))).toEqual([
        lots.old.codes[1],
        lots.pending.codes[2],
      ]);
    });

    it('a sheet holds 24 labels: 25 vials take two pages', async () => {
      const big = await createLot(t, staff.pharmacist, {
        lotNumber: 'EXO-BIG',
        unitId: units.depot,
        vialCount: 25,
      });
      const response = await labels(`lotId=${big.lotId}`);
      expect(response.statusCode, response.body).toBe(200);
      const { pages, lines } = pdfText(response.rawPayload);
      expect(pages).toBe(2);
      expect(lines.filter((line) => line.startsWith('EXO-BIG-'))).toEqual(big.codes);
    });

    it('refuses bad requests with what to fix', async () => {
      const neither = await labels('symbology=qrcode');
      expect(neither.statusCode).toBe(400);
      expect(neither.json().details.fields[0].message).toContain('either lotId');
      const both = await labels(`lotId=${lots.fresh.lotId}&codes=${lots.fresh.codes[0]}`);
      expect(both.statusCode).toBe(400);
      const empty = await labels('codes=%2C%20%2C');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().details.fields[0].message).toBe('Name at least one vial code.');
      const unknown = await labels(`codes=${lots.fresh.codes[0]},NO-SUCH-1`);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().details.fields[0].message).toContain('NO-SUCH-1');
      // Another site's vial is unknown to this pharmacist.
      const otherSite = await labels(`codes=${lots.other.codes[0]}`);
      expect(otherSite.statusCode).toBe(400);
      expect(otherSite.json().details.fields[0].message).toContain(lots.other.codes[0]);
      expect((await labels('lotId=not-a-uuid')).statusCode).toBe(400);
      expect((await labels('lotId=00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      expect((await labels(`lotId=${lots.fresh.lotId}&symbology=ean13`)).statusCode).toBe(400);
      // People who do not manage the product print no labels.
      expect((await labels(`lotId=${lots.fresh.lotId}`, users.coordinator)).statusCode).toBe(403);
    });
  });
});
