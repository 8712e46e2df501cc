import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { addPerson, notificationRows, recipientsOf } from './notification-support.ts';
import { CONCENTRATION, createPharmacists, createUnit, passingResults } from './product-fixtures.ts';
import { createStatistician, enrolIn, readyIn } from './randomisation-support.ts';

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

  const protocolPath = join(tmpdir(), `exotrial-resupply-${process.pid}-${kind}.yaml`);
  const dueRecipients = async () =>
    recipientsOf(await notificationRows(t.database, t.studyId), 'product.resupply-due');
  const dueRows = async () =>
    (await notificationRows(t.database, t.studyId)).filter((row) => row.kind === 'product.resupply-due');

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

  beforeAll(async () => {
    const yaml = readFileSync(example, 'utf8');
    const rule = '  resupply: { threshold: 10, quantity: 20 }';
    expect(yaml).toContain(rule);
    writeFileSync(protocolPath, yaml.replace(rule, '  resupply: { threshold: 2, quantity: 2 }'));
    t = await createTestApp(kind, { EXOTRIAL_PROTOCOL: protocolPath, EXOTRIAL_LOGIN_RATE_LIMIT: '1000' });
    users = await createTrialUsers(t);
    statistician = await createStatistician(t);
    ({ pharmacist } = await createPharmacists(t, users));
    sitePharmacist = await addPerson(t, 'upharm-site', 'unblinded_pharmacist', [users.siteId]);
    otherSitePharmacist = await addPerson(t, 'upharm-other', 'unblinded_pharmacist', [users.otherSiteId]);
    depotPharmacist = await addPerson(t, 'upharm-depot', 'unblinded_pharmacist', []);
    siteUnit = await createUnit(t, sitePharmacist, 'RS-F1', users.siteId);
    depotUnit = await createUnit(t, sitePharmacist, 'RS-DEPOT', null);

    const kits = await as(t.app, statistician).post('/api/v1/kits/list', { seed: 7, kitCount: 30 });
    expect(kits.statusCode, kits.body).toBe(200);
    const kitStatus = await as(t.app, statistician).get('/api/v1/kits');
    const sealedKits = await as(t.app, statistician).post('/api/v1/kits/list/seal', {
      listHash: kitStatus.json().listHash,
    });
    expect(sealedKits.statusCode, sealedKits.body).toBe(200);
    const list = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 424242 });
    expect(list.statusCode, list.body).toBe(200);
    const sealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', {
      listHash: list.json().listHash,
    });
    expect(sealed.statusCode, sealed.body).toBe(200);
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
    // 3 → 2 active kits: not below the threshold, nobody is told.
    await dispenseNext();
    expect(await dueRecipients()).toEqual([]);

    // 2 → 1: the site becomes due; every unblinded pharmacist (any may pack from the depot) is told.
    await dispenseNext();
    const told = ['upharm-depot@example.org', 'upharm-other@example.org', 'upharm-site@example.org'];
    expect((await dueRecipients()).sort()).toEqual(told);
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

    // 1 → 0 while still due: nothing new.
    await dispenseNext();
    expect(await dueRows()).toHaveLength(3);

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
    expect(await dueRows()).toHaveLength(3);

    // 2 → 1 again: a new episode, a new notification to each of them.
    await dispenseNext();
    const rows = await dueRows();
    expect(rows).toHaveLength(6);
    expect(
      rows
        .slice(3)
        .map((row) => row.email)
        .sort(),
    ).toEqual(told);
    expect(new Set(rows.map((row) => row.event_key)).size).toBe(2);
  });

  it('tells them when a temperature excursion quarantines kits and the site becomes due', async () => {
    const before = (await dueRows()).length;
    // The other site is due while it holds nothing; 3 kits of each type bring it to its thresholds.
    const unitId = await createUnit(t, otherSitePharmacist, 'RS-F2', users.otherSiteId);
    const iso = (at: number) => new Date(at).toISOString();
    await lot('RS-A2', 'active-kit', 3, unitId, iso(Date.now() - 4 * HOUR), otherSitePharmacist);
    await lot('RS-P2', 'placebo-kit', 3, unitId, iso(Date.now() - 4 * HOUR), otherSitePharmacist);
    const needs = await as(t.app, otherSitePharmacist).get('/api/v1/product/resupply');
    expect(needs.json().map((need: { siteId: string }) => need.siteId)).not.toContain(users.otherSiteId);
    expect(await dueRows()).toHaveLength(before);

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
    const rows = (await dueRows()).slice(before);
    expect(rows.map((row) => row.email).sort()).toEqual([
      'upharm-depot@example.org',
      'upharm-other@example.org',
      'upharm-site@example.org',
    ]);
    expect(
      rows.every((row) => row.event_key.startsWith(`resupply-due:${users.otherSiteId}:excursion:`)),
    ).toBe(true);
  });
});
