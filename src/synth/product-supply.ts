import type { Database } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { enterReleaseResults, registerLot, releaseLot } from '../product/lot.service.ts';
import { packShipment, receiveShipment, shipShipment } from '../product/shipment.service.ts';
import { addReadings, createStorageUnit } from '../product/storage.service.ts';
import { dispositionVials } from '../product/vial.service.ts';
import type { Random } from './random.ts';
import { type DemoSite, demoLockout } from './staff.ts';

// The investigational product of the synthetic trial, through the product services: a central depot
// with two freezers, lots registered, tested and released, hourly temperature logs, one excursion that
// quarantines a lot's vials (destroyed by a signed disposition), and shipments to each site's ward
// freezer whenever its stock runs low. Times are the synthetic trial's, not the wall clock's.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Label concentration: 2.0 × 10^8 vesicles in 3 mL. */
const CONCENTRATION = 2e8 / 3;

export interface SupplyCounts {
  lots: number;
  vialsMade: number;
  shipments: number;
  readings: number;
  excursions: number;
  vialsQuarantined: number;
  vialsDestroyed: number;
}

interface SiteStock {
  unitId: string;
  /** Vials in stock by kit type ('' outside kit studies). */
  inStock: Map<string, number>;
}

/**
 * A kit study's supply: the unblinded depot pharmacist who registers lots of a kit type (each lot's
 * vials take kit numbers from the sealed kit list), and each kit type with its share of the arms.
 */
export interface DemoKits {
  depot: Caller;
  types: ReadonlyArray<{ id: string; share: number; arms: readonly string[] }>;
}

/** The one stock key outside kit studies. */
const NO_KIT = '';

/** The depot and the sites' stock, kept in step with what the services wrote. */
export class ProductSupply {
  private depotUnitId = '';
  /** Depot vial codes by kit type, first to ship first. */
  private readonly depotQueue = new Map<string, string[]>();
  private readonly sites = new Map<string, SiteStock>();
  private lotNumber = 0;
  /** '' on a study's first demo run; '-R2', '-R3', … on later runs, so codes and lot numbers stay unique. */
  private runSuffix = '';
  readonly counts: SupplyCounts = {
    lots: 0,
    vialsMade: 0,
    shipments: 0,
    readings: 0,
    excursions: 0,
    vialsQuarantined: 0,
    vialsDestroyed: 0,
  };

  constructor(
    private readonly database: Database,
    private readonly studyId: string,
    private readonly pharmacist: Caller,
    private readonly password: string,
    private readonly random: Random,
    /** Vials per lot and per shipment: more for larger trials, so a big run ships in fewer batches. */
    private readonly lotSize: number,
    private readonly shipmentSize: number,
    private readonly kits: DemoKits | null = null,
  ) {}

  private get kitTypes(): ReadonlyArray<{ id: string; share: number }> {
    return this.kits?.types ?? [{ id: NO_KIT, share: 1 }];
  }

  /** Each kit type's part of `total` vials, by its share (at least one each). */
  private split(total: number): Array<{ kitType: string; count: number }> {
    const sum = this.kitTypes.reduce((acc, type) => acc + type.share, 0);
    return this.kitTypes.map((type) => ({
      kitType: type.id,
      count: Math.max(1, Math.ceil((total * type.share) / sum)),
    }));
  }

  private unit(code: string, name: string, siteId: string | null, kind: 'freezer' = 'freezer') {
    return createStorageUnit(this.database, this.studyId, this.pharmacist, {
      code: `${code}${this.runSuffix}`,
      name,
      kind,
      siteId,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 30,
    });
  }

  /**
   * A lot registered into a unit at `at` (in a kit study, of `kitType`, by the unblinded depot
   * pharmacist), its release tests entered and the release signed; its vial codes, first to last.
   */
  private async lot(unitId: string, vials: number, at: Date, kitType = NO_KIT): Promise<string[]> {
    this.lotNumber += 1;
    const lotNumber = `EXO${this.runSuffix}-${String(this.lotNumber).padStart(3, '0')}`;
    const registrar = this.kits?.depot ?? this.pharmacist;
    const lotId = await registerLot(
      this.database,
      this.studyId,
      registrar,
      {
        ...(kitType === NO_KIT ? {} : { kitType }),
        lotNumber,
        manufacturer: 'Ruijin Hospital cell therapy GMP facility',
        manufacturedOn: new Date(at.getTime() - 10 * DAY).toISOString().slice(0, 10),
        concentrationPerMl: CONCENTRATION,
        volumeMl: 3,
        vialCount: vials,
        unitId,
        receivedAt: at.toISOString(),
      },
      at,
    );
    const random = this.random;
    await enterReleaseResults(this.database, this.studyId, registrar, lotId, {
      version: 1,
      results: [
        { testId: 'particle-count', value: Math.round(CONCENTRATION * random.decimal(0.9, 1.12, 3)) },
        { testId: 'modal-size', value: random.int(85, 135) },
        { testId: 'cd9', value: 'present' },
        { testId: 'cd63', value: 'present' },
        { testId: 'cd81', value: 'present' },
        { testId: 'tsg101', value: 'present' },
        { testId: 'calnexin', value: 'absent' },
        { testId: 'sterility', value: 'negative' },
        { testId: 'mycoplasma', value: 'negative' },
        { testId: 'endotoxin', value: random.decimal(0.05, 0.3, 2) },
      ],
    });
    await releaseLot(
      this.database,
      this.studyId,
      registrar,
      demoLockout,
      lotId,
      { password: this.password, version: 2 },
      new Date(at.getTime() + 2 * HOUR),
    );
    this.counts.lots += 1;
    this.counts.vialsMade += vials;
    const rows = await this.database.read((db) =>
      db
        .selectFrom('vial')
        .select('code')
        .where('study_id', '=', this.studyId)
        .where('lot_id', '=', lotId)
        .orderBy('sequence')
        .execute(),
    );
    return rows.map((row) => row.code);
  }

  /** Hourly readings of a unit from `from` to `to`, around −80 °C, leaving out the hours `skip` names. */
  private async readings(unitId: string, from: Date, to: Date, skip?: (at: Date) => boolean) {
    const random = this.random;
    const all: Array<{ recordedAt: string; celsius: number }> = [];
    for (let at = from.getTime(); at <= to.getTime(); at += HOUR) {
      const moment = new Date(at);
      if (skip?.(moment)) continue;
      all.push({ recordedAt: moment.toISOString(), celsius: random.decimal(-82.5, -77.5, 1) });
    }
    for (let start = 0; start < all.length; start += 1000) {
      await addReadings(this.database, this.studyId, this.pharmacist, unitId, all.slice(start, start + 1000));
    }
    this.counts.readings += all.length;
  }

  /**
   * The depot (freezers A and B at no site), a ward freezer at every site, the first lot in A and a
   * small lot in B. B's door is left open one night: 50 minutes above −60 °C, beyond the 30-minute
   * tolerance, so its vials are quarantined, and the pharmacist destroys them (signed). Every unit
   * logs hourly from `start` to `until`.
   */
  async setUp(sites: readonly DemoSite[], start: Date, until: Date): Promise<void> {
    const earlierRuns = await this.database.read(async (db) => {
      const row = await db
        .selectFrom('storage_unit')
        .select((eb) => eb.fn.countAll<number>().as('runs'))
        .where('study_id', '=', this.studyId)
        .where('code', 'like', 'DEPOT-A%')
        .executeTakeFirstOrThrow();
      return Number(row.runs);
    });
    if (earlierRuns > 0) this.runSuffix = `-R${earlierRuns + 1}`;
    const depotA = await this.unit('DEPOT-A', 'Central depot, freezer A (−80 °C)', null);
    const depotB = await this.unit('DEPOT-B', 'Central depot, freezer B (−80 °C)', null);
    this.depotUnitId = depotA.unitId;
    for (const site of sites) {
      const ward = await this.unit(
        `WARD-${site.code}`,
        `${site.code} ward pharmacy freezer (−80 °C)`,
        site.siteId,
      );
      this.sites.set(site.siteId, { unitId: ward.unitId, inStock: new Map() });
    }
    for (const { kitType } of this.split(this.lotSize)) await this.restock(kitType, start);
    await this.lot(depotB.unitId, 20, start, this.kitTypes[0]?.id);
    // The night of the open door, read every 10 minutes (the hourly log skips those hours).
    const doorOpen = new Date(start.getTime() + 3 * DAY + 2 * HOUR + 5 * 60_000);
    const night: Array<{ recordedAt: string; celsius: number }> = [];
    for (let minutes = 0; minutes <= 60; minutes += 10) {
      night.push({
        recordedAt: new Date(doorOpen.getTime() + minutes * 60_000).toISOString(),
        celsius: minutes <= 50 ? -55 + minutes / 10 : -79.6,
      });
    }
    const excursion = await addReadings(this.database, this.studyId, this.pharmacist, depotB.unitId, night);
    this.counts.readings += night.length;
    const found = excursion.excursions.map((entry) => entry.excursionId);
    this.counts.vialsQuarantined += excursion.excursions.reduce((sum, e) => sum + e.vialsQuarantined, 0);
    this.counts.excursions = new Set(found).size;
    for (const excursionId of new Set(found)) {
      const { vials } = await dispositionVials(
        this.database,
        this.studyId,
        this.pharmacist,
        demoLockout,
        { excursionId },
        {
          decision: 'destroy',
          reason: 'Door left ajar overnight: 50 minutes above −60 °C, beyond the stability data; destroyed',
          password: this.password,
        },
        new Date(doorOpen.getTime() + DAY),
      );
      this.counts.vialsDestroyed += vials;
    }
    const units = [depotA.unitId, depotB.unitId, ...[...this.sites.values()].map((site) => site.unitId)];
    const nightOf = (at: Date) => Math.abs(at.getTime() - doorOpen.getTime()) < 2 * HOUR;
    for (const unitId of units) {
      await this.readings(
        unitId,
        new Date(start.getTime() + HOUR),
        until,
        unitId === depotB.unitId ? nightOf : undefined,
      );
    }
  }

  /** A new lot of a kit type (of the demo's lot size, by the type's share) into the depot's queue. */
  private async restock(kitType: string, at: Date): Promise<void> {
    const size = this.split(this.lotSize).find((part) => part.kitType === kitType)?.count ?? this.lotSize;
    const codes = await this.lot(this.depotUnitId, size, at, kitType);
    this.depotQueue.set(kitType, [...(this.depotQueue.get(kitType) ?? []), ...codes]);
  }

  /** The kit type a participant's arm takes, from the allocation; NO_KIT outside kit studies. */
  private async kitTypeOf(participantId: string): Promise<string> {
    if (!this.kits) return NO_KIT;
    const allocation = await this.database.read((db) =>
      db
        .selectFrom('randomisation_allocation')
        .select('arm')
        .where('study_id', '=', this.studyId)
        .where('participant_id', '=', participantId)
        .executeTakeFirstOrThrow(),
    );
    const kitType = this.kitsByArm.get(allocation.arm);
    if (!kitType) throw new Error(`no kit type serves arm ${allocation.arm}`);
    return kitType;
  }

  /**
   * Makes sure a participant's site holds `needed` vials of the participant's kit type by `at`: when
   * short, a shipment from the depot is packed, handed to the courier and received the evening
   * before, each step signed. A shipment carries every kit type in the arms' shares, so a site's
   * stock never hints at the allocations made there.
   */
  async ensureStock(siteId: string, needed: number, at: Date, participantId: string): Promise<void> {
    const site = this.sites.get(siteId);
    if (!site) throw new Error(`no ward freezer at ${siteId}`);
    const short = await this.kitTypeOf(participantId);
    if ((site.inStock.get(short) ?? 0) >= needed) return;
    const packedAt = new Date(at.getTime() - 14 * HOUR);
    const parts = this.split(this.shipmentSize).map((part) =>
      part.kitType === short ? { ...part, count: Math.max(part.count, needed) } : part,
    );
    const vialCodes: string[] = [];
    for (const { kitType, count } of parts) {
      if ((this.depotQueue.get(kitType) ?? []).length < count)
        await this.restock(kitType, new Date(packedAt.getTime() - 4 * HOUR));
      vialCodes.push(...(this.depotQueue.get(kitType) ?? []).splice(0, count));
      site.inStock.set(kitType, (site.inStock.get(kitType) ?? 0) + count);
    }
    const shipmentId = await packShipment(
      this.database,
      this.studyId,
      this.pharmacist,
      demoLockout,
      {
        fromUnitId: this.depotUnitId,
        toUnitId: site.unitId,
        containerUnitId: null,
        vialCodes,
        password: this.password,
      },
      packedAt,
    );
    await shipShipment(
      this.database,
      this.studyId,
      this.pharmacist,
      demoLockout,
      shipmentId,
      { courier: 'Cold-chain courier (dry ice)', password: this.password, version: 1 },
      new Date(packedAt.getTime() + HOUR),
    );
    await receiveShipment(
      this.database,
      this.studyId,
      this.pharmacist,
      demoLockout,
      shipmentId,
      { condition: 'acceptable', password: this.password, version: 2 },
      new Date(packedAt.getTime() + 4 * HOUR),
    );
    this.counts.shipments += 1;
  }

  /** One vial of a site's stock was dispensed to the participant. */
  async took(siteId: string, participantId: string): Promise<void> {
    const site = this.sites.get(siteId);
    const kitType = await this.kitTypeOf(participantId);
    if (site) site.inStock.set(kitType, (site.inStock.get(kitType) ?? 0) - 1);
  }

  private get kitsByArm(): Map<string, string> {
    return new Map(this.kits?.types.flatMap((type) => type.arms.map((arm) => [arm, type.id] as const)));
  }
}
