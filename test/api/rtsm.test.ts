import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { pdfText } from '../support/pdf-text.ts';
import { randomisedStudy, sealRandomisationList } from '../support/randomised-study.ts';
import { describeEachDatabase, type SignedIn, signIn, type TestApp } from '../support/test-app.ts';
import { as, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { CONCENTRATION, createPharmacists, createUnit, passingResults } from './product-fixtures.ts';
import { enrolIn, readyIn } from './randomisation-support.ts';

// Supply by kit (RTSM) in the randomised example: the kit list generated from a seed and sealed by
// the statistician; lots of a kit type whose vials take kit numbers as codes; dispensing that
// proposes and accepts only a kit of the type the participant's arm takes; and blinded staff, who
// never see a kit type (compared with an unblinded role who does, so the checks can fail).

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const kitTypeWords = ['active-kit', 'placebo-kit', 'mscs-exo', 'placebo', 'Placebo', 'Active'];

interface Kit {
  sequence: number;
  kitNumber: string;
  kitType: string;
  lotNumber: string | null;
}

describeEachDatabase('supply by kit', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let statistician: SignedIn;
  /** Blinded: the site's pharmacist. */
  let pharmacist: SignedIn;
  /** Unblinded: a pharmacist who may also read the randomisation list (an unblinded role). */
  let unblinded: SignedIn;
  let unitId: string;
  let kits: Kit[];

  const registerLot = (user: SignedIn, lotNumber: string, kitType: string | undefined, vialCount: number) =>
    as(t.app, user).post('/api/v1/product/lots', {
      lotNumber,
      manufacturer: 'Cellular Biomedicine Lab',
      manufacturedOn: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      concentrationPerMl: CONCENTRATION,
      volumeMl: 3,
      vialCount,
      unitId,
      ...(kitType === undefined ? {} : { kitType }),
    });

  const release = async (lotId: string) => {
    const client = as(t.app, unblinded);
    const results = await client.put(`/api/v1/product/lots/${lotId}/release-results`, {
      results: passingResults,
      version: 1,
    });
    expect(results.statusCode, results.body).toBe(200);
    const released = await client.post(`/api/v1/product/lots/${lotId}/release`, {
      password: PASSWORD,
      version: 2,
    });
    expect(released.statusCode, released.body).toBe(200);
  };

  const vialCodes = async (user: SignedIn, lotId: string): Promise<string[]> => {
    const vials = await as(t.app, user).get(`/api/v1/product/vials?lotId=${lotId}`);
    expect(vials.statusCode, vials.body).toBe(200);
    return vials.json().items.map((vial: { code: string }) => vial.code);
  };

  beforeAll(async () => {
    ({ t, users, statistician } = await randomisedStudy(kind, { protocol: rctProtocol }));
    ({ pharmacist } = await createPharmacists(t, users));
    await t.database.transaction((trx) =>
      createUser(trx, t.studyId, systemActor('test'), {
        email: 'unblinded@example.org',
        name: 'Uma Unblinded',
        roles: ['pharmacist', 'statistician'],
        siteIds: [users.siteId],
        password: PASSWORD,
      }),
    );
    unblinded = await signIn(t.app, 'unblinded@example.org', PASSWORD);
    unitId = await createUnit(t, unblinded, 'RTSM-F1', users.siteId);
  });
  afterAll(async () => t?.close());

  describe('the kit list', () => {
    it('is missing until generated, and only the statistician generates it', async () => {
      const status = await as(t.app, pharmacist).get('/api/v1/kits');
      expect(status.json()).toMatchObject({ status: 'missing', kitCount: 0 });
      const refused = await as(t.app, pharmacist).post('/api/v1/kits/list', { seed: 1, kitCount: 30 });
      expect(refused.statusCode).toBe(403);
      const badCount = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 1, kitCount: 0 });
      expect(badCount.statusCode).toBe(400);
      expect(badCount.body).toContain('List at least one kit.');
    });

    it('refuses a kit lot while the kit list is not sealed', async () => {
      const generated = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 99, kitCount: 30 });
      expect(generated.statusCode, generated.body).toBe(200);
      const refused = await registerLot(unblinded, 'ACT-0', 'active-kit', 3);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toContain('The kit list is not sealed');
    });

    it('gives random kit numbers in the arms’ 2:1 ratio, reproduced from the same seed', async () => {
      const first = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 20261205, kitCount: 30 });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ status: 'generated', kitCount: 30 });
      const list = await as(t.app, statistician).get('/api/v1/kits/list');
      expect(list.statusCode, list.body).toBe(200);
      kits = list.json().kits;
      expect(list.json()).toMatchObject({ seed: 20261205, hashMatches: true });
      expect(kits.filter((kit) => kit.kitType === 'active-kit')).toHaveLength(20);
      expect(kits.filter((kit) => kit.kitType === 'placebo-kit')).toHaveLength(10);
      expect(new Set(kits.map((kit) => kit.kitNumber)).size).toBe(30);
      for (const kit of kits) expect(kit.kitNumber).toMatch(/^K-\d{6}$/);
      // Not in kit-number order, and the types interleave rather than run in two blocks.
      const numbers = kits.map((kit) => kit.kitNumber);
      expect(numbers).not.toEqual([...numbers].sort());
      expect(kits.slice(0, 20).some((kit) => kit.kitType === 'placebo-kit')).toBe(true);

      const other = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 7, kitCount: 30 });
      expect(other.json().listHash).not.toBe(first.json().listHash);
      const again = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 20261205, kitCount: 30 });
      expect(again.json().listHash).toBe(first.json().listHash);
      const relisted = await as(t.app, statistician).get('/api/v1/kits/list');
      expect(relisted.json().kits).toEqual(kits);
    });

    it('is sealed by its hash, then never regenerated', async () => {
      const status = await as(t.app, statistician).get('/api/v1/kits');
      const wrongHash = await as(t.app, statistician).post('/api/v1/kits/list/seal', {
        listHash: '0'.repeat(64),
      });
      expect(wrongHash.statusCode).toBe(409);
      const sealed = await as(t.app, statistician).post('/api/v1/kits/list/seal', {
        listHash: status.json().listHash,
      });
      expect(sealed.statusCode, sealed.body).toBe(200);
      expect(sealed.json().status).toBe('sealed');
      const regenerate = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 1, kitCount: 30 });
      expect(regenerate.statusCode).toBe(409);
      expect(regenerate.json().message).toContain('a sealed list cannot be regenerated');
      const audit = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'new_value'])
          .where('entity_type', '=', 'kit_list')
          .execute(),
      );
      expect(audit.map((event) => event.action)).toEqual([
        'kits.generate',
        'kits.generate',
        'kits.generate',
        'kits.generate',
        'kits.seal',
      ]);
      expect(JSON.stringify(audit)).not.toContain('20261205');
    });

    it('shows kit types to unblinded roles only', async () => {
      for (const user of [
        pharmacist,
        users.coordinator,
        users.investigator,
        users.monitor,
        users.dataManager,
      ]) {
        const refused = await as(t.app, user).get('/api/v1/kits/list');
        expect(refused.statusCode).toBe(403);
        for (const word of kitTypeWords) expect(refused.body).not.toContain(word);
        const status = await as(t.app, user).get('/api/v1/kits');
        expect(status.statusCode).toBe(200);
        expect(status.json().status).toBe('sealed');
        for (const word of kitTypeWords) expect(status.body).not.toContain(word);
      }
      expect((await as(t.app, unblinded).get('/api/v1/kits/list')).statusCode).toBe(200);
    });
  });

  describe('lots of a kit type', () => {
    let activeLotId: string;
    let placeboLotId: string;

    it('refuses a lot without a kit type, of an unknown type, or registered by a blinded role', async () => {
      const missing = await registerLot(unblinded, 'ACT-X', undefined, 3);
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toContain("Give the lot's kit type, one of active-kit, placebo-kit.");
      const unknown = await registerLot(unblinded, 'ACT-X', 'verum-kit', 3);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().details.fields[0].message).toBe(
        'Unknown kit type "verum-kit"; the protocol\'s kit types are active-kit, placebo-kit.',
      );
      const blinded = await registerLot(pharmacist, 'ACT-X', 'active-kit', 3);
      expect(blinded.statusCode).toBe(403);
      const tooMany = await registerLot(unblinded, 'ACT-X', 'placebo-kit', 11);
      expect(tooMany.statusCode).toBe(409);
      expect(tooMany.json().message).toContain('10 unused kit numbers');
      const lots = await as(t.app, unblinded).get('/api/v1/product/lots');
      expect(lots.json()).toEqual([]);
    });

    it('gives each vial the next unused kit number of its type as its code', async () => {
      const active = await registerLot(unblinded, 'ACT-1', 'active-kit', 4);
      expect(active.statusCode, active.body).toBe(201);
      activeLotId = active.json().lotId;
      const placebo = await registerLot(unblinded, 'PLA-1', 'placebo-kit', 3);
      expect(placebo.statusCode, placebo.body).toBe(201);
      placeboLotId = placebo.json().lotId;
      const moreActive = await registerLot(unblinded, 'ACT-2', 'active-kit', 2);
      expect(moreActive.statusCode, moreActive.body).toBe(201);
      const ofType = (type: string) => kits.filter((kit) => kit.kitType === type).map((kit) => kit.kitNumber);
      expect((await vialCodes(unblinded, activeLotId)).sort()).toEqual(
        ofType('active-kit').slice(0, 4).sort(),
      );
      expect((await vialCodes(unblinded, placeboLotId)).sort()).toEqual(
        ofType('placebo-kit').slice(0, 3).sort(),
      );
      expect((await vialCodes(unblinded, moreActive.json().lotId)).sort()).toEqual(
        ofType('active-kit').slice(4, 6).sort(),
      );
      const list = await as(t.app, statistician).get('/api/v1/kits/list');
      const carried = list.json().kits.filter((kit: Kit) => kit.lotNumber !== null);
      expect(carried).toHaveLength(9);
      await release(activeLotId);
      await release(placeboLotId);
    });

    it('shows the kit type of a lot to the unblinded and never to blinded roles', async () => {
      const seen = await as(t.app, unblinded).get(`/api/v1/product/lots/${placeboLotId}`);
      expect(seen.json().kitType).toBe('placebo-kit');
      const unblindedList = await as(t.app, unblinded).get('/api/v1/product/lots');
      expect(unblindedList.body).toContain('placebo-kit');
      for (const user of [pharmacist, users.coordinator, users.monitor]) {
        for (const url of [
          '/api/v1/product/lots',
          `/api/v1/product/lots/${placeboLotId}`,
          `/api/v1/product/vials?siteId=${users.siteId}`,
        ]) {
          const response = await as(t.app, user).get(url);
          expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
          for (const word of ['active-kit', 'placebo-kit', 'kitType'])
            expect(response.body).not.toContain(word);
        }
        // A kit lot's kits would tell which kits share a type: listed to unblinded roles only.
        const byLot = await as(t.app, user).get(`/api/v1/product/vials?lotId=${placeboLotId}`);
        expect(byLot.statusCode).toBe(403);
        expect(byLot.json().message).toContain('Look kits up by kit number instead');
      }
      expect((await as(t.app, unblinded).get(`/api/v1/product/vials?lotId=${placeboLotId}`)).statusCode).toBe(
        200,
      );
      // The trail, read by the blinded data manager, lists each lot's kit numbers and never its kit type.
      const trail = await as(t.app, users.dataManager).get('/api/v1/audit?action=lot.register&limit=100');
      expect(trail.statusCode, trail.body).toBe(200);
      expect(trail.json().events.length).toBeGreaterThanOrEqual(2);
      for (const word of ['active-kit', 'placebo-kit', 'kitType']) expect(trail.body).not.toContain(word);
    });
  });

  describe('resupply', () => {
    it('lists every kit type for a site below a threshold, to unblinded roles only', async () => {
      const needs = await as(t.app, unblinded).get('/api/v1/product/resupply');
      expect(needs.statusCode, needs.body).toBe(200);
      // The site holds 4 released active kits (a third lot is not released) and 3 placebo kits (threshold 10, quantity 20 for both types); the
      // other sites hold none. The depot holds nothing, so no shipment can be proposed yet.
      const site = needs.json().find((need: { siteId: string }) => need.siteId === users.siteId);
      expect(site.kitTypes).toEqual([
        { kitType: 'active-kit', usable: 4, incoming: 0, threshold: 10, send: 20, kitNumbers: [] },
        { kitType: 'placebo-kit', usable: 3, incoming: 0, threshold: 10, send: 20, kitNumbers: [] },
      ]);
      expect(site.proposal).toBeNull();
      expect(site.problem).toBe('depot_short');
      expect(needs.json().map((need: { siteId: string }) => need.siteId)).toContain(users.otherSiteId);
      const blinded = await as(t.app, pharmacist).get('/api/v1/product/resupply');
      expect(blinded.statusCode).toBe(403);
      for (const word of kitTypeWords) expect(blinded.body).not.toContain(word);
      const refused = await as(t.app, unblinded).post('/api/v1/product/resupply/shipments', {
        siteId: users.siteId,
        password: PASSWORD,
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toContain('No depot unit holds every kit type');
    });

    it('extends the sealed kit list with a sealed block of new numbers, audited', async () => {
      const blinded = await as(t.app, pharmacist).post('/api/v1/kits/list/extend', { seed: 5, kitCount: 60 });
      expect(blinded.statusCode).toBe(403);
      const tooMany = await as(t.app, statistician).post('/api/v1/kits/list/extend', {
        seed: 5,
        kitCount: 89_990,
      });
      expect(tooMany.statusCode).toBe(409);
      expect(tooMany.json().message).toContain('Extend it by at most 89970');
      const extended = await as(t.app, statistician).post('/api/v1/kits/list/extend', {
        seed: 20261206,
        kitCount: 60,
      });
      expect(extended.statusCode, extended.body).toBe(200);
      expect(extended.json()).toMatchObject({ status: 'sealed', kitCount: 90 });
      expect(extended.json().blocks).toHaveLength(1);
      expect(extended.json().blocks[0]).toMatchObject({ block: 1, kitCount: 60 });
      const list = await as(t.app, statistician).get('/api/v1/kits/list');
      expect(list.json().hashMatches).toBe(true);
      const all: Array<Kit & { block: number }> = list.json().kits;
      expect(all).toHaveLength(90);
      // The first 30 kits are unchanged; the block's 60 go on from sequence 31, in the 2:1 ratio.
      expect(all.slice(0, 30).map((kit) => ({ ...kit, lotNumber: null }))).toEqual(
        kits.map((kit) => ({ ...kit, block: 0, lotNumber: null })),
      );
      const block = all.filter((kit) => kit.block === 1);
      expect(block.map((kit) => kit.sequence)).toEqual(Array.from({ length: 60 }, (_, index) => 31 + index));
      expect(block.filter((kit) => kit.kitType === 'active-kit')).toHaveLength(40);
      expect(new Set(all.map((kit) => kit.kitNumber)).size).toBe(90);
      kits = all;
      const trail = await t.database.read((db) =>
        db
          .selectFrom('audit_event')
          .select(['action', 'new_value'])
          .where('action', '=', 'kits.extend')
          .execute(),
      );
      expect(trail).toHaveLength(1);
      expect(trail[0]?.new_value).toMatchObject({ block: 1, blockKitCount: 60, kitCount: 90 });
      expect(JSON.stringify(trail)).not.toContain('20261206');
      // A block once sealed cannot be changed, even in the database.
      await expect(
        t.database.transaction((trx) =>
          trx.updateTable('kit_list_block').set({ kit_count: 1 }).where('block', '=', 1).execute(),
        ),
      ).rejects.toThrow(/unchangeable/);
    });

    it('reads the kit list a page at a time, in list order, with the total', async () => {
      const page = await as(t.app, statistician).get('/api/v1/kits/list?limit=25&offset=80');
      expect(page.statusCode, page.body).toBe(200);
      expect(page.json()).toMatchObject({
        total: 90,
        limit: 25,
        offset: 80,
        kitCount: 90,
        hashMatches: true,
      });
      // The last page holds what is left: kits 81 to 90, the same as in the whole list.
      expect(page.json().kits).toEqual(kits.slice(80));
      const first = await as(t.app, unblinded).get('/api/v1/kits/list?limit=7');
      expect(first.json()).toMatchObject({ total: 90, limit: 7, offset: 0 });
      expect(first.json().kits).toEqual(kits.slice(0, 7));
      const beyond = await as(t.app, statistician).get('/api/v1/kits/list?offset=500');
      expect(beyond.json()).toMatchObject({ total: 90, limit: 100, offset: 500, kits: [] });
      for (const query of ['limit=0', 'limit=501', 'limit=ten', 'offset=-1', 'offset=1.5', 'page=2']) {
        const refused = await as(t.app, statistician).get(`/api/v1/kits/list?${query}`);
        expect(refused.statusCode, query).toBe(400);
        expect(refused.json().error).toBe('validation_failed');
      }
      const tooLong = await as(t.app, statistician).get('/api/v1/kits/list?limit=501');
      expect(JSON.stringify(tooLong.json().details)).toContain('limit is at most 500 kits a page.');
      // A blinded role is refused a page as it is the whole list, with no kit type in the answer.
      const blinded = await as(t.app, pharmacist).get('/api/v1/kits/list?limit=5&offset=5');
      expect(blinded.statusCode).toBe(403);
      for (const word of kitTypeWords) expect(blinded.body).not.toContain(word);
    });

    it('proposes, then packs, a shipment of every kit type from the depot, never revealing a type', async () => {
      const depotUnit = await createUnit(t, unblinded, 'RTSM-DEPOT', null);
      const depotLot = async (lotNumber: string, kitType: string, count: number) => {
        const lot = await as(t.app, unblinded).post('/api/v1/product/lots', {
          lotNumber,
          manufacturer: 'Cellular Biomedicine Lab',
          manufacturedOn: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
          concentrationPerMl: CONCENTRATION,
          volumeMl: 3,
          vialCount: count,
          unitId: depotUnit,
          kitType,
        });
        expect(lot.statusCode, lot.body).toBe(201);
        await release(lot.json().lotId);
      };
      await depotLot('DEP-A', 'active-kit', 25);
      await depotLot('DEP-P', 'placebo-kit', 22);
      const needs = await as(t.app, unblinded).get('/api/v1/product/resupply');
      const site = needs.json().find((need: { siteId: string }) => need.siteId === users.siteId);
      expect(site.problem).toBeNull();
      expect(site.proposal.from.code).toBe('RTSM-DEPOT');
      expect(site.proposal.to.code).toBe('RTSM-F1');
      expect(site.proposal.kitNumbers).toHaveLength(40);
      const typeOfKit = (code: string) => kits.find((kit) => kit.kitNumber === code)?.kitType;
      const proposedTypes = site.proposal.kitNumbers.map(typeOfKit);
      expect(proposedTypes.filter((type: string) => type === 'active-kit')).toHaveLength(20);
      expect(proposedTypes.filter((type: string) => type === 'placebo-kit')).toHaveLength(20);

      const badUnit = await as(t.app, unblinded).post('/api/v1/product/resupply/shipments', {
        siteId: users.siteId,
        toUnitId: depotUnit,
        password: PASSWORD,
      });
      expect(badUnit.statusCode).toBe(400);
      const blinded = await as(t.app, pharmacist).post('/api/v1/product/resupply/shipments', {
        siteId: users.siteId,
        password: PASSWORD,
      });
      expect(blinded.statusCode).toBe(403);
      for (const word of kitTypeWords) expect(blinded.body).not.toContain(word);

      const packed = await as(t.app, unblinded).post('/api/v1/product/resupply/shipments', {
        siteId: users.siteId,
        password: PASSWORD,
      });
      expect(packed.statusCode, packed.body).toBe(201);
      expect(packed.json().status).toBe('packed');
      // The blinded site pharmacist sees the shipment's kit numbers and never a type.
      const shipments = await as(t.app, pharmacist).get('/api/v1/product/shipments');
      expect(shipments.statusCode, shipments.body).toBe(200);
      for (const word of ['active-kit', 'placebo-kit', 'kitType']) expect(shipments.body).not.toContain(word);
      const trail = await as(t.app, users.dataManager).get('/api/v1/audit?limit=100');
      const actions = trail.json().events.map((event: { action: string }) => event.action);
      expect(actions).toContain('shipment.resupply');
      expect(actions).toContain('shipment.pack');
      for (const word of ['active-kit', 'placebo-kit', 'kitType']) expect(trail.body).not.toContain(word);

      // What is packed for the site counts as on its way: no second resupply is due for it.
      const after = await as(t.app, unblinded).get('/api/v1/product/resupply');
      const siteAfter = after.json().find((need: { siteId: string }) => need.siteId === users.siteId);
      expect(siteAfter).toBeUndefined();
      const again = await as(t.app, unblinded).post('/api/v1/product/resupply/shipments', {
        siteId: users.siteId,
        password: PASSWORD,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().message).toContain('no resupply is due');
      // The other site is still due, but the depot has only 5 active and 2 placebo kits left unpacked.
      const other = after.json().find((need: { siteId: string }) => need.siteId === users.otherSiteId);
      expect(other.proposal).toBeNull();
    });
  });

  describe('dispensing by kit type', () => {
    const byArm = new Map<string, string>();

    beforeAll(async () => {
      await sealRandomisationList(t, statistician, 424242);
      // Enrol until each arm has a participant (2:1 blocks of 3 or 6 give both within six).
      for (let index = 0; index < 6 && byArm.size < 2; index++) {
        const participantId = await readyIn(t, users, 'severe');
        const enrolled = await enrolIn(t, users, participantId);
        expect(enrolled.statusCode, enrolled.body).toBe(200);
        const { arm } = await t.database.read((db) =>
          db
            .selectFrom('randomisation_allocation')
            .select('arm')
            .where('participant_id', '=', participantId)
            .executeTakeFirstOrThrow(),
        );
        if (!byArm.has(arm)) byArm.set(arm, participantId);
      }
      expect([...byArm.keys()].sort()).toEqual(['mscs-exo', 'placebo']);
    });

    const kitTypeOfArm = { 'mscs-exo': 'active-kit', placebo: 'placebo-kit' } as const;
    const typeOf = (code: string) => kits.find((kit) => kit.kitNumber === code)?.kitType;

    it('proposes to each participant a kit of the type the arm takes, and names no type', async () => {
      for (const [arm, participantId] of byArm) {
        const proposal = await as(t.app, pharmacist).get(
          `/api/v1/product/participants/${participantId}/proposal?visitId=day-1`,
        );
        expect(proposal.statusCode, proposal.body).toBe(200);
        expect(typeOf(proposal.json().vial.code)).toBe(kitTypeOfArm[arm as keyof typeof kitTypeOfArm]);
        expect(proposal.json().vial).toMatchObject({ lotId: 'blinded', lotNumber: 'Blinded kit lot' });
        for (const word of ['active-kit', 'placebo-kit', 'kitType'])
          expect(proposal.body).not.toContain(word);
      }
    });

    it('refuses a kit of the other type without naming a type or arm, then dispenses the proposed one', async () => {
      const participantId = byArm.get('placebo') ?? '';
      const proposal = await as(t.app, pharmacist).get(
        `/api/v1/product/participants/${participantId}/proposal?visitId=day-1`,
      );
      expect(proposal.statusCode, proposal.body).toBe(200);
      const proposed = proposal.json().vial;
      const wrongCode = kits.find((kit) => kit.kitType === 'active-kit')?.kitNumber ?? '';
      const wrong = await as(t.app, pharmacist).post('/api/v1/product/dispensings', {
        participantId,
        visitId: 'day-1',
        expectedVialId: proposed.vialId,
        scannedCode: wrongCode,
      });
      expect(wrong.statusCode).toBe(409);
      expect(wrong.json().details).toEqual({ reason: 'wrong_kit' });
      expect(wrong.json().message).toBe(
        'This kit cannot be dispensed to this participant; scan the kit proposed.',
      );
      for (const word of kitTypeWords) expect(wrong.body).not.toContain(word);
      const right = await as(t.app, pharmacist).post('/api/v1/product/dispensings', {
        participantId,
        visitId: 'day-1',
        expectedVialId: proposed.vialId,
        scannedCode: proposed.code,
      });
      expect(right.statusCode, right.body).toBe(201);
      expect(typeOf(right.json().vialCode)).toBe('placebo-kit');
    });
    it('never tells a blinded role which lot a kit came from: vials, dispensings, inventory, accountability, labels', async () => {
      const participantId = byArm.get('placebo') ?? '';
      const lotWords = ['ACT-1', 'PLA-1', 'ACT-2', 'DEP-A', 'DEP-P'];
      const lotIds = (await as(t.app, unblinded).get('/api/v1/product/lots'))
        .json()
        .map((lot: { lotId: string }) => lot.lotId);
      const urls = [
        `/api/v1/product/vials?siteId=${users.siteId}`,
        `/api/v1/product/participants/${participantId}/dispensings`,
        `/api/v1/product/vials/by-code/${kits.find((kit) => kit.lotNumber === 'PLA-1')?.kitNumber}`,
        '/api/v1/product/inventory?expiringWithinDays=30',
        '/api/v1/product/accountability',
        '/api/v1/product/returns',
      ];
      // The unblinded pharmacist sees the lots, so the checks below can fail.
      const seen = await Promise.all(urls.map((url) => as(t.app, unblinded).get(url)));
      expect(seen.map((response) => response.statusCode)).toEqual(urls.map(() => 200));
      expect(seen[1]?.body).toContain('PLA-1');
      expect(seen[3]?.body).toContain('PLA-1');
      expect(seen[4]?.body).toContain('PLA-1');
      for (const user of [pharmacist, users.monitor]) {
        for (const url of urls) {
          const response = await as(t.app, user).get(url);
          expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
          for (const word of [...lotWords, ...lotIds]) expect(response.body, url).not.toContain(word);
        }
      }
      // Inventory and accountability keep their sums: one blinded kit lot holds what the kit lots hold.
      const inventory = await as(t.app, pharmacist).get('/api/v1/product/inventory?expiringWithinDays=30');
      const blindedLots = inventory.json().lots.filter((lot: { lotId: string }) => lot.lotId === 'blinded');
      expect(blindedLots).toHaveLength(1);
      const allLots = (await as(t.app, unblinded).get('/api/v1/product/lots')).json();
      expect(blindedLots[0].vialCount).toBe(
        allLots.reduce((sum: number, lot: { vialCount: number }) => sum + lot.vialCount, 0),
      );
      expect(blindedLots[0].byState.dispensed).toBe(1);
      const dispensings = await as(t.app, pharmacist).get(
        `/api/v1/product/participants/${participantId}/dispensings`,
      );
      expect(dispensings.json()[0].lotNumber).toBe('Blinded kit lot');
      // Labels of a kit lot are refused to the blinded; a kit's label never prints its lot, for anyone.
      const byLot = await as(t.app, pharmacist).get(`/api/v1/product/labels.pdf?lotId=${lotIds[0]}`);
      expect(byLot.statusCode).toBe(403);
      const code = dispensings.json()[0].vialCode;
      const label = await as(t.app, unblinded).get(`/api/v1/product/labels.pdf?codes=${code}`);
      expect(label.statusCode, label.body).toBe(200);
      const { lines } = pdfText(label.rawPayload);
      expect(lines).toContain(code);
      expect(lines.filter((line) => line.startsWith('Lot '))).toEqual([]);
    });
  });
});
