import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { forbidden } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { armsVisible } from '../randomisation/blinding.ts';
import { currentProtocol } from '../study/protocol-store.ts';

export const resupplyNeedSchema = z.object({
  siteId: z.string(),
  /** Every kit type of the study, each with its stock and the kits to send. */
  kitTypes: z.array(
    z.object({
      kitType: z.string(),
      usable: z.number().int(),
      threshold: z.number().int(),
      send: z.number().int(),
    }),
  ),
});
export const resupplyNeedsSchema = z.array(resupplyNeedSchema);
export type ResupplyNeed = z.infer<typeof resupplyNeedSchema>;

/**
 * The sites to resupply in a kit study: a site whose usable stock (in stock, released, not
 * quarantined, unexpired, not in a shipping container) of any kit type is below that type's threshold
 * gets every kit type's resupply quantity, so that what a site receives never hints at the arms of
 * its participants. Only roles that may see arms read it (it names kit types). Empty outside kit studies.
 */
export async function resupplyNeeds(
  db: Db,
  studyId: string,
  caller: Caller,
  now = new Date(),
): Promise<ResupplyNeed[]> {
  authorize(caller.user, 'study.read');
  if (!(await armsVisible(db, studyId, caller.user))) {
    throw forbidden('Resupply needs show stock by kit type: only unblinded roles may read them.');
  }
  const supply = (await currentProtocol(db, studyId)).protocol.supply;
  if (!supply) return [];
  const stock = await db
    .selectFrom('vial')
    .innerJoin('product_lot as lot', (join) =>
      join.onRef('lot.study_id', '=', 'vial.study_id').onRef('lot.lot_id', '=', 'vial.lot_id'),
    )
    .innerJoin('storage_unit as unit', (join) =>
      join.onRef('unit.study_id', '=', 'vial.study_id').onRef('unit.unit_id', '=', 'vial.unit_id'),
    )
    .select(['vial.site_id', 'lot.kit_type', (eb) => eb.fn.countAll<string>().as('usable')])
    .where('vial.study_id', '=', studyId)
    .where('vial.state', '=', 'in_stock')
    .where('vial.quarantined_at', 'is', null)
    .where('lot.status', '=', 'released')
    .where('unit.kind', '!=', 'shipping_container')
    .where('vial.expires_at', '>', now)
    .groupBy(['vial.site_id', 'lot.kit_type'])
    .execute();
  const usable = new Map(stock.map((row) => [`${row.site_id}|${row.kit_type}`, Number(row.usable)]));
  const sites = await db
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .orderBy('site_id')
    .execute();
  const needs: ResupplyNeed[] = [];
  for (const { site_id: siteId } of sites) {
    const kitTypes = supply.kitTypes.map((type) => {
      const rule = type.resupply ?? supply.resupply ?? { threshold: 0, quantity: 0 };
      return {
        kitType: type.id,
        usable: usable.get(`${siteId}|${type.id}`) ?? 0,
        threshold: rule.threshold,
        send: rule.quantity,
      };
    });
    if (kitTypes.some((type) => type.usable < type.threshold)) needs.push({ siteId, kitTypes });
  }
  return needs;
}
