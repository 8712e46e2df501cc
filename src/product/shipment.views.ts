import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { notFound } from '../kernel/errors.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import type { ShipmentView } from './product.schema.ts';

/** The shipments the caller may see (leaving or reaching one of their sites), with vials and custody. */
export async function shipmentViews(
  db: Db,
  studyId: string,
  caller: Caller,
  shipmentId?: string,
): Promise<ShipmentView[]> {
  authorize(caller.user, 'product.read');
  const rows = await db
    .selectFrom('shipment')
    .selectAll()
    .where('study_id', '=', studyId)
    .$if(!!shipmentId, (q) => q.where('shipment_id', '=', shipmentId ?? ''))
    .orderBy('packed_at', 'desc')
    .execute();
  const units = await db
    .selectFrom('storage_unit')
    .select(['unit_id', 'site_id'])
    .where('study_id', '=', studyId)
    .execute();
  const visible = (unitId: string) => {
    const site = units.find((unit) => unit.unit_id === unitId)?.site_id;
    return !site || canAccessSite(caller.user, site);
  };
  const views: ShipmentView[] = [];
  for (const row of rows.filter((entry) => visible(entry.from_unit_id) || visible(entry.to_unit_id))) {
    const vials = await db
      .selectFrom('shipment_vial as s')
      .innerJoin('vial as v', (join) =>
        join.onRef('v.study_id', '=', 's.study_id').onRef('v.vial_id', '=', 's.vial_id'),
      )
      .select('v.code')
      .where('s.study_id', '=', studyId)
      .where('s.shipment_id', '=', row.shipment_id)
      .orderBy('v.code')
      .execute();
    const custody = await db
      .selectFrom('custody_signature')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('shipment_id', '=', row.shipment_id)
      .orderBy('signed_at')
      .execute();
    views.push({
      shipmentId: row.shipment_id,
      fromUnitId: row.from_unit_id,
      toUnitId: row.to_unit_id,
      containerUnitId: row.container_unit_id,
      status: row.status,
      courier: row.courier,
      packedAt: new Date(row.packed_at).toISOString(),
      shippedAt: row.shipped_at ? new Date(row.shipped_at).toISOString() : null,
      receivedAt: row.received_at ? new Date(row.received_at).toISOString() : null,
      condition: row.condition,
      conditionNote: row.condition_note,
      vialCodes: vials.map((vial) => vial.code),
      custody: custody.map((entry) => ({
        step: entry.step,
        fromParty: entry.from_party,
        toParty: entry.to_party,
        signerName: entry.signer_name,
        meaning: entry.meaning,
        signedAt: new Date(entry.signed_at).toISOString(),
      })),
      version: row.version,
    });
  }
  if (shipmentId && views.length === 0) throw notFound(`Shipment ${shipmentId}`);
  return views;
}
