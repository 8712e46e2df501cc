import { sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { LotStatus, VialState } from '../db/schema-product.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import type { InventoryCounts, InventoryView, StateCounts } from './inventory.schema.ts';
import { BLINDED_LOT, hiddenKitLots } from './kit-blinding.ts';
import { productOf } from './product.queries.ts';
import { listExcursions, listStorageUnits } from './storage.service.ts';

const DAY = 86_400_000;

interface GroupRow {
  site_id: string | null;
  unit_id: string | null;
  lot_id: string;
  state: VialState;
  n: number | string;
  quarantined: number | string;
  expired: number | string;
  expiring_soon: number | string;
  available: number | string;
  not_released: number | string;
  next_use_by: Date | string | null;
}

const emptyStates = (): StateCounts => ({
  in_stock: 0,
  in_transit: 0,
  dispensed: 0,
  returned: 0,
  destroyed: 0,
  lost: 0,
});
const emptyCounts = (): InventoryCounts => ({
  byState: emptyStates(),
  available: 0,
  quarantined: 0,
  expiringSoon: 0,
  expired: 0,
  notReleased: 0,
  nextUseBy: null,
});

function add(into: InventoryCounts, row: GroupRow): void {
  into.byState[row.state] += Number(row.n);
  into.available += Number(row.available);
  into.quarantined += Number(row.quarantined);
  into.expiringSoon += Number(row.expiring_soon);
  into.expired += Number(row.expired);
  into.notReleased += Number(row.not_released);
  if (row.next_use_by) {
    const next = new Date(row.next_use_by).toISOString();
    if (!into.nextUseBy || next < into.nextUseBy) into.nextUseBy = next;
  }
}

/**
 * The inventory in one grouped query: vials by site, storage unit, lot and state, with the counts the
 * pharmacy acts on. A vial's use-by is the earlier of its shelf expiry and the end of its thaw-to-use
 * window, as at dispensing. Counts of stock (available, quarantined, expired, expiring soon, not
 * released) are over vials in stock or in transit: what the trial still holds.
 */
export async function inventorySummary(
  db: Db,
  studyId: string,
  caller: Caller,
  query: { expiringWithinDays: number },
  now = new Date(),
): Promise<InventoryView> {
  authorize(caller.user, 'product.read');
  const product = await productOf(db, studyId);
  const horizon = new Date(now.getTime() + query.expiringWithinDays * DAY);
  const thawSeconds = product.thawed ? product.thawed.useWithinHours * 3600 : null;
  const useBy =
    thawSeconds === null
      ? sql`v.expires_at`
      : sql`case when v.thawed_at is null then v.expires_at
                 else least(v.expires_at, v.thawed_at + make_interval(secs => ${thawSeconds})) end`;
  const held = sql`v.state in ('in_stock', 'in_transit')`;
  const allSites = caller.user.roles.some((role) => studyWideRoles.has(role));
  const siteFilter = allSites
    ? sql`true`
    : caller.user.siteIds.length
      ? sql`(v.site_id is null or v.site_id in (${sql.join(caller.user.siteIds)}))`
      : sql`v.site_id is null`;
  const rows = (
    await sql<GroupRow>`
      select v.site_id, v.unit_id, v.lot_id, v.state,
             count(*) as n,
             count(*) filter (where ${held} and v.quarantined_at is not null) as quarantined,
             count(*) filter (where ${held} and u.use_by <= ${now}) as expired,
             count(*) filter (where ${held} and u.use_by > ${now} and u.use_by <= ${horizon}) as expiring_soon,
             count(*) filter (where v.state = 'in_stock' and v.quarantined_at is null and u.use_by > ${now}
                                and l.status = 'released') as available,
             count(*) filter (where ${held} and l.status <> 'released') as not_released,
             min(u.use_by) filter (where ${held} and u.use_by > ${now}) as next_use_by
      from vial v
      join product_lot l on l.study_id = v.study_id and l.lot_id = v.lot_id
      cross join lateral (select ${useBy} as use_by) u
      where v.study_id = ${studyId} and ${siteFilter}
      group by v.site_id, v.unit_id, v.lot_id, v.state`.execute(db)
  ).rows;

  const units = await listStorageUnits(db, studyId, caller);
  const excursions = await listExcursions(db, studyId, caller);
  const lots = await db
    .selectFrom('product_lot')
    .select(['lot_id', 'lot_number', 'status', 'manufactured_on', 'vial_count', 'released_at'])
    .where('study_id', '=', studyId)
    .orderBy('created_at', 'desc')
    .execute();

  const unitCounts = new Map(units.map((unit) => [unit.unitId, emptyCounts()]));
  const siteCounts = new Map<string | null, InventoryCounts>();
  // A blinded reader sees every kit lot as one: a lot's counts (dispensed, in stock) would tell which
  // kits share an arm.
  const hidden = await hiddenKitLots(db, studyId, caller.user);
  const lotOf = (lotId: string) => (hidden.has(lotId) ? BLINDED_LOT.lotId : lotId);
  const lotCounts = new Map(lots.map((lot) => [lotOf(lot.lot_id), emptyCounts()]));
  for (const unit of units) if (!siteCounts.has(unit.siteId)) siteCounts.set(unit.siteId, emptyCounts());
  for (const row of rows) {
    if (row.unit_id) {
      const counts = unitCounts.get(row.unit_id);
      if (counts) add(counts, row);
    }
    let site = siteCounts.get(row.site_id);
    if (!site) {
      site = emptyCounts();
      siteCounts.set(row.site_id, site);
    }
    add(site, row);
    const lot = lotCounts.get(lotOf(row.lot_id));
    if (lot) add(lot, row);
  }
  const awaiting = (unitId: string) =>
    excursions.filter((excursion) => excursion.unitId === unitId && excursion.vialsAwaitingDisposition > 0);

  return {
    asOf: now.toISOString(),
    expiringWithinDays: query.expiringWithinDays,
    expiringBefore: horizon.toISOString(),
    sites: [...siteCounts.entries()]
      .map(([siteId, counts]) => ({ siteId, ...counts }))
      .sort((a, b) => (a.siteId ?? '').localeCompare(b.siteId ?? '')),
    units: units.map((unit) => ({
      ...unit,
      ...(unitCounts.get(unit.unitId) ?? emptyCounts()),
      excursionsAwaitingDisposition: awaiting(unit.unitId).length,
    })),
    lots: [
      ...lots
        .filter((lot) => !hidden.has(lot.lot_id))
        .map((lot) => ({
          lotId: lot.lot_id,
          lotNumber: lot.lot_number,
          status: lot.status,
          manufacturedOn: lot.manufactured_on,
          vialCount: lot.vial_count,
          releasedAt: lot.released_at ? new Date(lot.released_at).toISOString() : null,
          ...(lotCounts.get(lot.lot_id) ?? emptyCounts()),
        })),
      ...blindedLotRow(
        lots.filter((lot) => hidden.has(lot.lot_id)),
        lotCounts.get(BLINDED_LOT.lotId),
      ),
    ],
  };
}

/**
 * The one row a blinded reader sees for all kit lots: their vials and counts together, the earliest
 * manufacture, and released (with the last release) only when every kit lot is.
 */
function blindedLotRow(
  lots: Array<{
    status: LotStatus;
    manufactured_on: string;
    vial_count: number;
    released_at: Date | string | null;
  }>,
  counts: InventoryCounts | undefined,
) {
  const first = lots[0];
  if (!first) return [];
  const status: LotStatus = lots.every((lot) => lot.status === first.status) ? first.status : 'pending';
  const released = lots.flatMap((lot) => (lot.released_at ? [new Date(lot.released_at).toISOString()] : []));
  return [
    {
      ...BLINDED_LOT,
      status,
      manufacturedOn: lots.map((lot) => lot.manufactured_on).sort()[0] ?? first.manufactured_on,
      vialCount: lots.reduce((sum, lot) => sum + lot.vial_count, 0),
      releasedAt: status === 'released' ? (released.sort().at(-1) ?? null) : null,
      ...(counts ?? emptyCounts()),
    },
  ];
}
