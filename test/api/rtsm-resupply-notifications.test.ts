import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scanResupply } from '../../src/product/resupply-notifications.ts';
import { randomisedStudy } from '../support/randomised-study.ts';
import { describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { addPerson, notificationRows } from './notification-support.ts';
import { CONCENTRATION, createPharmacists, createUnit, passingResults } from './product-fixtures.ts';
import { enrolIn, readyIn } from './randomisation-support.ts';

// A site that falls below a kit type's resupply threshold is announced once to the unblinded
// pharmacists (who pack from the depot and may know kit types), never to a blinded role, and never
// with a kit type; it is announced again only after a resupply brought it back and it fell again.
// The randomised example with a smaller rule (threshold 2, quantity 2), so a few dispensings cross it.

const example = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const HOUR = 3_600_000;
const kitTypeWords = ['active-kit', 'placebo-kit', 'mscs-exo', 'placebo', 'Placebo', 'Active', '安慰剂'];

describeEachDatabase('resupply due notifications', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let statistician: SignedIn;
  let pharmacist: SignedIn;
  let sitePharmacist: SignedIn;
  let otherSitePharmacist: SignedIn;
  let depotPharmacist: SignedIn;
  let siteUnit: string;
  let depotUnit: string;
  const activeParticipants: string[] = [];
  const told = ['upharm-depot@example.org', 'upharm-other@example.org', 'upharm-site@example.org'];

  const protocolPath = join(tmpdir(), `exotrial-resupply-${process.pid}-${kind}.yaml`);
  /** The resupply-due notifications of one site. */
  const dueRows = async (siteId = users.siteId) =>
    (await notificationRows(t.database, t.studyId)).filter(
      (row) => row.kind === 'product.resupply-due' && row.event_key.startsWith(`resupply-due:${siteId}:`),
    );
  const dueRecipientsAt = async (siteId: string) => (await dueRows(siteId)).map((row) => row.email).sort();
  const episodes = () =>
    t.database.read((db) =>
      db
        .selectFrom('resupply_due')
        .select(['site_id', 'episode_id'])
        .where('study_id', '=', t.studyId)
        .execute(),
    );
  const auditOf = (action: 'resupply.due' | 'resupply.met') =>
    t.database.read((db) =>
      db
        .selectFrom('audit_event')
        .select(['entity_id', 'new_value', 'old_value'])
        .where('study_id', '=', t.studyId)
        .where('action', '=', action)
        .orderBy('seq')
        .execute(),
    );

  const lot = async (
    lotNumber: string,
    kitType: string,
    vialCount: number,
    unitId: string,
    receivedAt?: string,
    by: SignedIn = sitePharmacist,
  ) => {
    const client = as(t.app, by);
    const created = await client.post('/api/v1/product/lots', {
      lotNumber,
      manufacturer: 'Cellular Biomedicine Lab',
      manufacturedOn: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
      concentrationPerMl: CONCENTRATION,
      volumeMl: 3,
      vialCount,
      unitId,
      kitType,
      ...(receivedAt ? { receivedAt } : {}),
    });
    expect(created.statusCode, created.body).toBe(201);
    const lotId: string = created.json().lotId;
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

  /** Dispenses the proposed kit for day 1 to the next participant of the active arm. */
  const dispenseNext = async () => {
    const participantId = activeParticipants.shift();
    expect(participantId).toBeDefined();
    const client = as(t.app, pharmacist);
    const proposal = await client.get(`/api/v1/product/participants/${participantId}/proposal?visitId=day-1`);
    expect(proposal.statusCode, proposal.body).toBe(200);
    const dispensed = await client.post('/api/v1/product/dispensings', {
      participantId,
      visitId: 'day-1',
      expectedVialId: proposal.json().vial.vialId,
      scannedCode: proposal.json().vial.code,
    });
    expect(dispensed.statusCode, dispensed.body).toBe(201);
  };

  /** Two participants of the active arm given two different kits at the same moment. */
  const dispenseTwoAtOnce = async () => {
    const participants = [activeParticipants.shift(), activeParticipants.shift()];
    const kits = await t.database.read((db) =>
      db
        .selectFrom('vial')
        .innerJoin('product_lot as lot', 'lot.lot_id', 'vial.lot_id')
        .select(['vial.vial_id', 'vial.code'])
        .where('vial.study_id', '=', t.studyId)
        .where('vial.unit_id', '=', siteUnit)
        .where('vial.state', '=', 'in_stock')
        .where('lot.kit_type', '=', 'active-kit')
        .orderBy('vial.code')
        .execute(),
    );
    expect(kits).toHaveLength(2);
    const results = await Promise.all(
      participants.map((participantId, index) =>
        as(t.app, pharmacist).post('/api/v1/product/dispensings', {
          participantId,
          visitId: 'day-1',
          expectedVialId: kits[index]?.vial_id,
          scannedCode: kits[index]?.code,
        }),
      ),
    );
    for (const result of results) expect(result.statusCode, result.body).toBe(201);
  };

  beforeAll(async () => {
    const yaml = readFileSync(example, 'utf8');
    const rule = '  resupply: { threshold: 10, quantity: 20 }';
    expect(yaml).toContain(rule);
    writeFileSync(protocolPath, yaml.replace(rule, '  resupply: { threshold: 2, quantity: 2 }'));
    ({ t, users, statistician } = await randomisedStudy(kind, {
      protocol: protocolPath,
      environment: { EXOTRIAL_LOGIN_RATE_LIMIT: '1000' },
      kits: { seed: 7, kitCount: 30 },
      seed: 424242,
    }));
    ({ pharmacist } = await createPharmacists(t, users));
    sitePharmacist = await addPerson(t, 'upharm-site', 'unblinded_pharmacist', [users.siteId]);
    otherSitePharmacist = await addPerson(t, 'upharm-other', 'unblinded_pharmacist', [users.otherSiteId]);
    depotPharmacist = await addPerson(t, 'upharm-depot', 'unblinded_pharmacist', []);
    siteUnit = await createUnit(t, sitePharmacist, 'RS-F1', users.siteId);
    depotUnit = await createUnit(t, sitePharmacist, 'RS-DEPOT', null);

    // Four participants of the active arm (2:1 blocks of 3 or 6 give them within nine).
    for (let index = 0; index < 9 && activeParticipants.length < 4; index++) {
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
      if (arm === 'mscs-exo') activeParticipants.push(participantId);
    }
    expect(activeParticipants).toHaveLength(4);
    // The site holds 3 active and 2 placebo kits: at the threshold of 2, not below it.
    await lot('RS-A1', 'active-kit', 3, siteUnit);
    await lot('RS-P1', 'placebo-kit', 2, siteUnit);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(protocolPath, { force: true });
  });

  it('tells the unblinded pharmacists once when a dispensing makes the site due, again only after a resupply', async () => {
    // The site was due while its lots arrived (before both types were in stock): that episode is over.
    const start = (await dueRows()).length;
    const openedBefore = (await auditOf('resupply.due')).filter((row) => row.entity_id === users.siteId);
    // 3 → 2 active kits: not below the threshold, nobody is told.
    await dispenseNext();
    expect(await dueRows()).toHaveLength(start);
    expect((await episodes()).map((row) => row.site_id)).not.toContain(users.siteId);

    // 2 → 0 by two dispensings at once, each of which finds the site due: one episode, and every
    // unblinded pharmacist (any may pack from the depot) is told of it once.
    await dispenseTwoAtOnce();
    expect((await episodes()).filter((row) => row.site_id === users.siteId)).toHaveLength(1);
    const opened = (await auditOf('resupply.due')).filter((row) => row.entity_id === users.siteId);
    expect(opened).toHaveLength(openedBefore.length + 1);
    expect(await dueRows()).toHaveLength(start + 3);
    expect(
      (await dueRows())
        .slice(start)
        .map((row) => row.email)
        .sort(),
    ).toEqual(told);
    const needs = await as(t.app, sitePharmacist).get('/api/v1/product/resupply');
    expect(needs.json().map((need: { siteId: string }) => need.siteId)).toContain(users.siteId);

    const inbox = await as(t.app, depotPharmacist).get('/api/v1/notifications');
    expect(inbox.statusCode, inbox.body).toBe(200);
    const [item] = inbox.json().items;
    expect(item).toMatchObject({
      kind: 'product.resupply-due',
      title: { en: `Site ${users.siteId} is due for resupply`, zh: `研究中心 ${users.siteId} 需要补充药品` },
      link: '/product/kits',
    });
    for (const word of kitTypeWords) expect(JSON.stringify(item)).not.toContain(word);
    // A pharmacist of another site may pack from the depot too, so is told of this site.
    const otherInbox = await as(t.app, otherSitePharmacist).get('/api/v1/notifications');
    expect(otherInbox.json().items[0]).toMatchObject({ kind: 'product.resupply-due', link: '/product/kits' });
    // Blinded roles, and the statistician (who sees arms but packs nothing), hear nothing of it.
    for (const user of [
      pharmacist,
      users.investigator,
      users.coordinator,
      users.monitor,
      users.dataManager,
      statistician,
    ]) {
      const theirs = await as(t.app, user).get('/api/v1/notifications');
      expect(theirs.statusCode, theirs.body).toBe(200);
      expect(theirs.body).not.toContain('product.resupply-due');
      expect(theirs.body).not.toContain('due for resupply');
    }

    // The resupply (2 kits of each type) is packed, shipped and received: the site is no longer due.
    await lot('RS-DA', 'active-kit', 2, depotUnit);
    await lot('RS-DP', 'placebo-kit', 2, depotUnit);
    const packed = await as(t.app, depotPharmacist).post('/api/v1/product/resupply/shipments', {
      siteId: users.siteId,
      password: PASSWORD,
    });
    expect(packed.statusCode, packed.body).toBe(201);
    const shipmentId: string = packed.json().shipmentId;
    const shipped = await as(t.app, depotPharmacist).post(`/api/v1/product/shipments/${shipmentId}/ship`, {
      courier: 'Cold Chain Co.',
      password: PASSWORD,
      version: 1,
    });
    expect(shipped.statusCode, shipped.body).toBe(200);
    const received = await as(t.app, sitePharmacist).post(`/api/v1/product/shipments/${shipmentId}/receive`, {
      condition: 'acceptable',
      password: PASSWORD,
      version: shipped.json().version,
    });
    expect(received.statusCode, received.body).toBe(200);
    const after = await as(t.app, sitePharmacist).get('/api/v1/product/resupply');
    expect(after.json().map((need: { siteId: string }) => need.siteId)).not.toContain(users.siteId);
    expect(await dueRows()).toHaveLength(start + 3);
    // The packing brought it back to its thresholds (counting what was on its way): the episode closed.
    expect((await episodes()).map((row) => row.site_id)).not.toContain(users.siteId);
    expect((await auditOf('resupply.met')).map((row) => row.entity_id)).toContain(users.siteId);

    // 2 → 1 again: a new episode, a new notification to each of them.
    await dispenseNext();
    const rows = (await dueRows()).slice(start);
    expect(rows).toHaveLength(6);
    expect(
      rows
        .slice(3)
        .map((row) => row.email)
        .sort(),
    ).toEqual(told);
    expect(new Set(rows.map((row) => row.event_key)).size).toBe(2);
  });

  it('tells them once of a site due from the start, and again when an excursion makes it due', async () => {
    // The other site has held nothing since the study began: due from the start, and told once (at the
    // first review after the pharmacists joined), however often the sites are reviewed again.
    expect(await dueRecipientsAt(users.otherSiteId)).toEqual(told);
    await scanResupply(t.database, t.studyId, new Date());
    await scanResupply(t.database, t.studyId, new Date());
    expect(await dueRows(users.otherSiteId)).toHaveLength(3);

    // 3 kits of each type bring it to its thresholds: its episode closes.
    const unitId = await createUnit(t, otherSitePharmacist, 'RS-F2', users.otherSiteId);
    const iso = (at: number) => new Date(at).toISOString();
    await lot('RS-A2', 'active-kit', 3, unitId, iso(Date.now() - 4 * HOUR), otherSitePharmacist);
    await lot('RS-P2', 'placebo-kit', 3, unitId, iso(Date.now() - 4 * HOUR), otherSitePharmacist);
    const needs = await as(t.app, otherSitePharmacist).get('/api/v1/product/resupply');
    expect(needs.json().map((need: { siteId: string }) => need.siteId)).not.toContain(users.otherSiteId);
    expect((await episodes()).map((row) => row.site_id)).not.toContain(users.otherSiteId);
    expect((await auditOf('resupply.met')).map((row) => row.entity_id)).toContain(users.otherSiteId);

    const readings = await as(t.app, otherSitePharmacist).post(
      `/api/v1/product/storage-units/${unitId}/readings`,
      {
        readings: [
          { recordedAt: iso(Date.now() - 3 * HOUR), celsius: -80 },
          { recordedAt: iso(Date.now() - 2 * HOUR), celsius: -45 },
          { recordedAt: iso(Date.now() - 1.5 * HOUR), celsius: -50 },
          { recordedAt: iso(Date.now() - HOUR), celsius: -81 },
        ],
      },
    );
    expect(readings.statusCode, readings.body).toBe(201);
    const rows = await dueRows(users.otherSiteId);
    expect(rows).toHaveLength(6);
    expect(
      rows
        .slice(3)
        .map((row) => row.email)
        .sort(),
    ).toEqual(told);
    expect(new Set(rows.map((row) => row.event_key)).size).toBe(2);
  });

  it('tells them when kits expire or are destroyed, and of a site added with nothing', async () => {
    const added = await as(t.app, await addPerson(t, 'rs-admin', 'administrator', [])).post('/api/v1/sites', {
      siteId: 'rs-third',
      code: 'RS3',
      name: { en: 'Third hospital', zh: '第三医院' },
      timeZone: 'Asia/Shanghai',
    });
    expect(added.statusCode, added.body).toBe(201);
    // A new site holds nothing: due at once, told at once.
    expect(await dueRecipientsAt('rs-third')).toEqual(told);

    // A pharmacist who joins while the site is due is told at the next review (the first lot's release).
    const thirdPharmacist = await addPerson(t, 'upharm-third', 'unblinded_pharmacist', ['rs-third']);
    const unitId = await createUnit(t, thirdPharmacist, 'RS-F3', 'rs-third');
    await lot('RS-A3', 'active-kit', 2, unitId, undefined, thirdPharmacist);
    const everyone = [...told, 'upharm-third@example.org'].sort();
    expect(await dueRecipientsAt('rs-third')).toEqual(everyone);
    await lot('RS-P3', 'placebo-kit', 2, unitId, undefined, thirdPharmacist);
    expect((await episodes()).map((row) => row.site_id)).not.toContain('rs-third');

    // Nothing is written when kits pass their expiry date: the periodic review finds it.
    const expiry = await t.database.read((db) =>
      db
        .selectFrom('vial')
        .select((eb) => eb.fn.min('expires_at').as('first'))
        .where('study_id', '=', t.studyId)
        .where('unit_id', '=', unitId)
        .executeTakeFirstOrThrow(),
    );
    const afterExpiry = new Date(new Date(expiry.first as Date).getTime() + 86_400_000);
    await scanResupply(t.database, t.studyId, afterExpiry);
    expect(await dueRows('rs-third')).toHaveLength(8);
    const opened = (await auditOf('resupply.due')).filter((row) => row.entity_id === 'rs-third');
    expect(opened).toHaveLength(2);
    // Back to today the kits are usable again; then one is destroyed: a third episode, told once.
    await scanResupply(t.database, t.studyId, new Date());
    expect((await episodes()).map((row) => row.site_id)).not.toContain('rs-third');
    const [kit] = await t.database.read((db) =>
      db
        .selectFrom('vial')
        .select(['vial_id', 'version'])
        .where('study_id', '=', t.studyId)
        .where('unit_id', '=', unitId)
        .orderBy('code')
        .execute(),
    );
    const destroyed = await as(t.app, thirdPharmacist).post(`/api/v1/product/vials/${kit?.vial_id}/destroy`, {
      reason: 'Vial cracked',
      version: kit?.version,
    });
    expect(destroyed.statusCode, destroyed.body).toBe(200);
    const rows = await dueRows('rs-third');
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((row) => row.event_key)).size).toBe(3);
    expect(
      rows
        .slice(8)
        .map((row) => row.email)
        .sort(),
    ).toEqual(everyone);
    for (const row of rows) for (const word of kitTypeWords) expect(row.event_key).not.toContain(word);
  });
});
