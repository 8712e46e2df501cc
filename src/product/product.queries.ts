import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/connection.ts';
import type { StorageUnitTable, VialEventKind, VialState, VialTable } from '../db/schema-product.ts';
import { notFound } from '../kernel/errors.ts';
import type { Protocol } from '../protocol/schema.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { shelfExpiry, shelfUsedBy, usableUntil } from './expiry.ts';
import { lotAsSeen } from './kit-blinding.ts';
import type { StorageUnitView, VialView } from './product.schema.ts';

export type Product = Protocol['product'];
export type VialRow = Selectable<VialTable>;
export type UnitRow = Selectable<StorageUnitTable>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const productOf = async (db: Db, studyId: string): Promise<Product> =>
  (await currentProtocol(db, studyId)).protocol.product;

export async function findUnit(db: Db, studyId: string, unitId: string): Promise<UnitRow> {
  const unit = UUID.test(unitId)
    ? await db
        .selectFrom('storage_unit')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('unit_id', '=', unitId)
        .executeTakeFirst()
    : undefined;
  if (!unit) throw notFound(`Storage unit ${unitId}`);
  return unit;
}

export const unitView = (unit: UnitRow): StorageUnitView => ({
  unitId: unit.unit_id,
  code: unit.code,
  name: unit.name,
  kind: unit.kind,
  siteId: unit.site_id,
  nominalCelsius: unit.nominal_celsius,
  lowCelsius: unit.low_celsius,
  highCelsius: unit.high_celsius,
  excursionToleranceMinutes: unit.excursion_tolerance_minutes,
  maxLoggingGapMinutes: unit.max_logging_gap_minutes,
  version: unit.version,
});

export async function findVial(
  db: Db,
  studyId: string,
  by: { vialId: string } | { code: string },
  forUpdate = false,
): Promise<VialRow | undefined> {
  if ('vialId' in by && !UUID.test(by.vialId)) return undefined;
  let query = db.selectFrom('vial').selectAll().where('study_id', '=', studyId);
  query = 'vialId' in by ? query.where('vial_id', '=', by.vialId) : query.where('code', '=', by.code);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export async function vialViews(
  db: Db,
  studyId: string,
  product: Product,
  rows: VialRow[],
  /** Kit lots the reader may not tell apart (hiddenKitLots): their vials name BLINDED_LOT. */
  hiddenLots: ReadonlySet<string>,
): Promise<VialView[]> {
  if (rows.length === 0) return [];
  const lots = await db
    .selectFrom('product_lot')
    .select(['lot_id', 'lot_number', 'status'])
    .where('study_id', '=', studyId)
    .where('lot_id', 'in', [...new Set(rows.map((row) => row.lot_id))])
    .execute();
  const unitIds = [...new Set(rows.flatMap((row) => (row.unit_id ? [row.unit_id] : [])))];
  const units = unitIds.length
    ? await db
        .selectFrom('storage_unit')
        .select(['unit_id', 'code'])
        .where('study_id', '=', studyId)
        .where('unit_id', 'in', unitIds)
        .execute()
    : [];
  return rows.map((row) => {
    const lot = lots.find((entry) => entry.lot_id === row.lot_id);
    const seen = lotAsSeen(hiddenLots, { lotId: row.lot_id, lotNumber: lot?.lot_number ?? '' });
    return {
      vialId: row.vial_id,
      code: row.code,
      lotId: seen.lotId,
      lotNumber: seen.lotNumber,
      lotStatus: lot?.status ?? 'pending',
      state: row.state,
      siteId: row.site_id,
      unitId: row.unit_id,
      unitCode: units.find((unit) => unit.unit_id === row.unit_id)?.code ?? null,
      expiresAt: row.expires_at.toISOString(),
      thawedAt: row.thawed_at?.toISOString() ?? null,
      useBy: usableUntil(product, { expiresAt: row.expires_at, thawedAt: row.thawed_at }).toISOString(),
      quarantined: row.quarantined_at !== null,
      quarantineReason: row.quarantine_reason,
      version: row.version,
    };
  });
}

export interface VialEventInput {
  kind: VialEventKind;
  at: Date;
  siteId: string | null;
  unitId?: string | null;
  shipmentId?: string | null;
  participantId?: string | null;
  actorLabel: string;
  reason?: string | null;
}

/** Appends custody events: the source of the accountability report. */
export async function addVialEvents(
  trx: Tx,
  studyId: string,
  vials: ReadonlyArray<Pick<VialRow, 'vial_id' | 'lot_id'>>,
  event: VialEventInput,
): Promise<void> {
  for (let start = 0; start < vials.length; start += 500) {
    await trx
      .insertInto('vial_event')
      .values(
        vials.slice(start, start + 500).map((vial) => ({
          study_id: studyId,
          event_id: randomUUID(),
          vial_id: vial.vial_id,
          lot_id: vial.lot_id,
          kind: event.kind,
          at: event.at,
          site_id: event.siteId,
          unit_id: event.unitId ?? null,
          shipment_id: event.shipmentId ?? null,
          participant_id: event.participantId ?? null,
          actor_label: event.actorLabel,
          reason: event.reason ?? null,
        })),
      )
      .execute();
  }
}

/** The temperature a vial is kept at now: its unit's nominal, or the product's storage temperature in transit. */
async function celsiusOf(trx: Tx, studyId: string, product: Product, unitId: string | null): Promise<number> {
  if (!unitId) return product.storage.temperatureCelsius;
  const unit = await findUnit(trx, studyId, unitId);
  return unit.nominal_celsius;
}

/**
 * Moves a vial to a unit (or out of every unit: in transit, dispensed, destroyed, lost), closing its
 * location interval, adding the shelf life used where it was, and recomputing its expiry.
 */
export async function relocateVial(
  trx: Tx,
  studyId: string,
  product: Product,
  vial: VialRow,
  to: { unit: UnitRow | null; state: VialState; at: Date },
): Promise<void> {
  const fromCelsius = await celsiusOf(trx, studyId, product, vial.unit_id);
  const elapsed = to.at.getTime() - vial.located_at.getTime();
  const shelfUsed = vial.shelf_used + shelfUsedBy(product, fromCelsius, elapsed);
  if (vial.unit_id) {
    await trx
      .updateTable('vial_location')
      .set({ left_at: to.at })
      .where('study_id', '=', studyId)
      .where('vial_id', '=', vial.vial_id)
      .where('left_at', 'is', null)
      .execute();
  }
  if (to.unit) {
    await trx
      .insertInto('vial_location')
      .values({
        study_id: studyId,
        vial_id: vial.vial_id,
        unit_id: to.unit.unit_id,
        entered_at: to.at,
        left_at: null,
      })
      .execute();
  }
  const toCelsius = to.unit ? to.unit.nominal_celsius : product.storage.temperatureCelsius;
  const storedUsed = Number.isFinite(shelfUsed) ? shelfUsed : 1;
  await trx
    .updateTable('vial')
    .set({
      state: to.state,
      unit_id: to.unit?.unit_id ?? null,
      site_id: to.unit ? to.unit.site_id : to.state === 'in_transit' ? null : vial.site_id,
      shelf_used: storedUsed,
      located_at: to.at,
      expires_at: shelfExpiry(product, storedUsed, to.at, toCelsius),
      updated_at: new Date(),
      version: vial.version + 1,
    })
    .where('study_id', '=', studyId)
    .where('vial_id', '=', vial.vial_id)
    .execute();
}
