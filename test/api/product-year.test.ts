import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import type { UserView } from '../../src/auth/auth.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { Caller } from '../../src/kernel/caller.ts';
import { accountabilityReport } from '../../src/product/accountability.service.ts';
import { dateInZone, dispenseVial, proposeVial } from '../../src/product/dispensing.service.ts';
import { enterReleaseResults, registerLot, releaseLot } from '../../src/product/lot.service.ts';
import { packShipment, receiveShipment, shipShipment } from '../../src/product/shipment.service.ts';
import { addReadings, createStorageUnit } from '../../src/product/storage.service.ts';
import { dispositionVials, writeOffVial } from '../../src/product/vial.service.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { CONCENTRATION, enrolledParticipant, passingResults } from './product-fixtures.ts';

const DAY = 86_400_000;
const PASSWORD = 'pharmacy password long';

/**
 * A synthetic year of a two-site trial driven through the services with a moving clock: a new lot
 * every four months at the depot, monthly shipments to each site (one lost on the road), one
 * participant a month per site dosed on days 1–5, breakages, and a freezer excursion whose vials are
 * destroyed. At the end every lot, site and participant must balance; then a vial is made to vanish
 * without a record, and the report must flag it.
 */
describeEachDatabase('accountability over a synthetic year', (kind) => {
  let t: TestApp;
  const callers = new Map<string, Caller>();
  const sites = ['ruijin', 'north'];
  const freezer = new Map<string, string>();
  let depot: string;
  let container: string;
  // Midnight UTC, so each day 1 starts at 08:00 in Shanghai and its doses at 10:00 fall on that
  // calendar day whatever the hour the test runs.
  const start = Math.floor(Date.now() / DAY) * DAY - 380 * DAY;
  let random = 20261125;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31;
  };

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    await t.database.transaction(async (trx) => {
      await trx
        .insertInto('site')
        .values({
          study_id: t.studyId,
          site_id: 'north',
          code: 'NO',
          name: JSON.stringify({ en: 'North', zh: '北' }),
          time_zone: 'Asia/Shanghai',
          created_at: new Date(),
        })
        .execute();
      for (const [key, siteIds] of [
        ['depot', []],
        ['ruijin', ['ruijin']],
        ['north', ['north']],
      ] as const) {
        const user: UserView = await createUser(trx, t.studyId, systemActor('test'), {
          email: `${key}@example.org`,
          name: `Pharmacist ${key}`,
          roles: ['pharmacist'],
          siteIds: [...siteIds],
          password: PASSWORD,
        });
        callers.set(key, { user, actor: { type: 'user', userId: user.userId, label: user.email } });
      }
    });
    const as = (key: string) => callers.get(key) as Caller;
    const unit = (
      code: string,
      siteId: string | null,
      kindName: 'freezer' | 'shipping_container' = 'freezer',
    ) =>
      createStorageUnit(t.database, t.studyId, as(siteId ?? 'depot'), {
        code,
        name: code,
        kind: kindName,
        siteId,
        nominalCelsius: -80,
        lowCelsius: -90,
        highCelsius: -60,
        excursionToleranceMinutes: 30,
      });
    depot = (await unit('DEPOT-F1', null)).unitId;
    container = (await unit('DRY-ICE-1', null, 'shipping_container')).unitId;
    for (const site of sites) freezer.set(site, (await unit(`${site}-F1`, site)).unitId);
  }, 300_000);
  afterAll(async () => t?.close());

  it('balances every lot, site and participant after a year, and flags a vial that vanished', async () => {
    const as = (key: string) => callers.get(key) as Caller;
    let dispensed = 0;
    let participants = 0;
    for (let month = 0; month < 12; month++) {
      const monthStart = start + month * 30 * DAY;
      if (month % 4 === 0) {
        const at = new Date(monthStart);
        const lotId = await registerLot(
          t.database,
          t.studyId,
          as('depot'),
          {
            lotNumber: `Y-${month}`,
            manufacturer: 'CBMG',
            manufacturedOn: new Date(monthStart - 5 * DAY).toISOString().slice(0, 10),
            concentrationPerMl: CONCENTRATION,
            volumeMl: 3,
            vialCount: 80,
            unitId: depot,
            receivedAt: at.toISOString(),
          },
          new Date(monthStart + DAY),
        );
        await enterReleaseResults(t.database, t.studyId, as('depot'), lotId, {
          results: passingResults,
          version: 1,
        });
        await releaseLot(
          t.database,
          t.studyId,
          as('depot'),
          t.config.lockout,
          lotId,
          { password: PASSWORD, version: 2 },
          new Date(monthStart + DAY),
        );
      }
      for (const [index, site] of sites.entries()) {
        const packedAt = new Date(monthStart + 2 * DAY + index * 3_600_000);
        const stock = await t.database.read((db) =>
          db
            .selectFrom('vial')
            .select('code')
            .where('study_id', '=', t.studyId)
            .where('unit_id', '=', depot)
            .where('state', '=', 'in_stock')
            .where('quarantined_at', 'is', null)
            .where('expires_at', '>', new Date(monthStart + 30 * DAY))
            .orderBy('expires_at')
            .orderBy('code')
            .limit(7)
            .execute(),
        );
        const shipmentId = await packShipment(
          t.database,
          t.studyId,
          as('depot'),
          t.config.lockout,
          {
            fromUnitId: depot,
            toUnitId: freezer.get(site) ?? '',
            containerUnitId: container,
            vialCodes: stock.map((v) => v.code),
            password: PASSWORD,
          },
          packedAt,
        );
        await shipShipment(
          t.database,
          t.studyId,
          as('depot'),
          t.config.lockout,
          shipmentId,
          { courier: 'Cold Chain Co.', password: PASSWORD, version: 1 },
          new Date(packedAt.getTime() + 3_600_000),
        );
        if (month === 5 && site === 'north') {
          // One vial falls off the truck: recorded lost before arrival.
          const lost = await t.database.read((db) =>
            db
              .selectFrom('vial')
              .select(['vial_id', 'version'])
              .where('study_id', '=', t.studyId)
              .where('code', '=', stock[0]?.code ?? '')
              .executeTakeFirstOrThrow(),
          );
          await writeOffVial(
            t.database,
            t.studyId,
            as('depot'),
            lost.vial_id,
            { kind: 'lost', reason: 'Missing on arrival count', version: lost.version },
            new Date(packedAt.getTime() + 20 * 3_600_000),
          );
        }
        await receiveShipment(
          t.database,
          t.studyId,
          as(site),
          t.config.lockout,
          shipmentId,
          { condition: 'acceptable', password: PASSWORD, version: 2 },
          new Date(packedAt.getTime() + DAY),
        );

        // One participant this month at this site, dosed days 1–5 at 10:00 Shanghai time.
        participants += 1;
        const day1 = new Date(monthStart + (5 + index) * DAY);
        const participantId = await enrolledParticipant(
          t,
          site,
          `${site.slice(0, 2).toUpperCase()}-${month}`,
          dateInZone(day1, 'Asia/Shanghai'),
        );
        const doses = next() < 0.15 ? 3 : 5;
        for (let day = 1; day <= doses; day++) {
          const now = new Date(day1.getTime() + (day - 1) * DAY + 2 * 3_600_000);
          const visitId = `day-${day}`;
          const proposal = await t.database.read((db) =>
            proposeVial(db, t.studyId, as(site), participantId, visitId, now),
          );
          await dispenseVial(
            t.database,
            t.studyId,
            as(site),
            { participantId, visitId, expectedVialId: proposal.vial.vialId, scannedCode: proposal.vial.code },
            now,
          );
          dispensed += 1;
        }
        if (month % 3 === 2) {
          const broken = await t.database.read((db) =>
            db
              .selectFrom('vial')
              .select(['vial_id', 'version'])
              .where('study_id', '=', t.studyId)
              .where('site_id', '=', site)
              .where('state', '=', 'in_stock')
              .orderBy('code')
              .executeTakeFirst(),
          );
          if (broken) {
            await writeOffVial(
              t.database,
              t.studyId,
              as(site),
              broken.vial_id,
              { kind: 'destroyed', reason: 'Vial cracked', version: broken.version },
              new Date(monthStart + 20 * DAY),
            );
          }
        }
      }
      if (month === 7) {
        // The north freezer fails for two hours; its vials are destroyed on review.
        const at = monthStart + 25 * DAY;
        const result = await addReadings(t.database, t.studyId, as('north'), freezer.get('north') ?? '', [
          { recordedAt: new Date(at).toISOString(), celsius: -80 },
          { recordedAt: new Date(at + 3_600_000).toISOString(), celsius: -30 },
          { recordedAt: new Date(at + 3 * 3_600_000).toISOString(), celsius: -79 },
        ]);
        expect(result.excursions).toHaveLength(1);
        await dispositionVials(
          t.database,
          t.studyId,
          as('north'),
          t.config.lockout,
          { excursionId: result.excursions[0]?.excursionId ?? '' },
          { decision: 'destroy', reason: 'Two hours above −60 °C', password: PASSWORD },
          new Date(at + 4 * 3_600_000),
        );
      }
    }

    const studyWide: Caller = {
      user: { ...as('depot').user, roles: ['data_manager'] },
      actor: as('depot').actor,
    };
    const report = await t.database.read((db) => accountabilityReport(db, t.studyId, studyWide));
    expect(report.imbalances).toEqual([]);
    expect(report.lots).toHaveLength(3);
    expect(report.lots.reduce((sum, lot) => sum + lot.dispensed, 0)).toBe(dispensed);
    expect(report.lots.reduce((sum, lot) => sum + lot.lost, 0)).toBe(1);
    expect(report.participants).toHaveLength(participants);
    // Lost on the road: charged to its lot, to no site.
    expect(report.sites.reduce((sum, row) => sum + row.lost, 0)).toBe(0);
    const destroyed = report.sites.reduce((sum, row) => sum + row.destroyed, 0);
    expect(destroyed).toBeGreaterThan(4);
    for (const row of report.sites) {
      expect(row.received).toBe(row.dispensed + row.returned + row.destroyed + row.lost + row.onHand);
    }

    // A vial leaves the ruijin freezer with no record: the site and its lot no longer balance.
    await t.database.transaction((trx) =>
      trx
        .updateTable('vial')
        .set({ state: 'lost' })
        .where('study_id', '=', t.studyId)
        .where('vial_id', '=', (eb) =>
          eb
            .selectFrom('vial')
            .select('vial_id')
            .where('study_id', '=', t.studyId)
            .where('site_id', '=', 'ruijin')
            .where('state', '=', 'in_stock')
            .limit(1),
        )
        .execute(),
    );
    const after = await t.database.read((db) => accountabilityReport(db, t.studyId, studyWide));
    expect(after.imbalances.some((line) => line.includes('at ruijin: 1 vials unaccounted for'))).toBe(true);
    expect(after.imbalances.some((line) => line.includes('1 unaccounted for'))).toBe(true);
  }, 600_000);
});
