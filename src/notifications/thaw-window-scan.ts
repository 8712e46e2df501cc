import type { Database } from '../db/connection.ts';
import { thawExpiry } from '../product/expiry.ts';
import { productOf } from '../product/product.queries.ts';
import { siteZones } from '../safety/adverse-event.views.ts';
import { formatInZone } from '../safety/clocks.ts';
import { notify } from './notify.ts';

/** A thawed vial is told of from this long before the end of its thaw-to-use window. */
export const THAW_WARNING_MS = 3_600_000;

/**
 * The periodic look at thawed vials still in stock at a site: one within an hour of the end of its
 * thaw-to-use window is told to the site's pharmacists and coordinators, once per vial and thaw,
 * however often the scan runs and on however many servers.
 */
export async function scanThawWindows(database: Database, studyId: string, now: Date): Promise<number> {
  return database.transaction(async (trx) => {
    const product = await productOf(trx, studyId);
    if (!product.thawed) return 0;
    const vials = await trx
      .selectFrom('vial')
      .select(['vial_id', 'code', 'site_id', 'unit_id', 'thawed_at'])
      .where('study_id', '=', studyId)
      .where('state', '=', 'in_stock')
      .where('thawed_at', 'is not', null)
      .where('quarantined_at', 'is', null)
      .where('site_id', 'is not', null)
      // One order on every server, so that two scans at once wait for each other instead of deadlocking.
      .orderBy('vial_id')
      .execute();
    const zones = await siteZones(trx, studyId);
    let made = 0;
    for (const vial of vials) {
      if (!vial.thawed_at || !vial.site_id) continue;
      const thawedAt = new Date(vial.thawed_at);
      const end = thawExpiry(product, thawedAt);
      if (!end) continue;
      const left = end.getTime() - now.getTime();
      if (left <= 0 || left > THAW_WARNING_MS) continue;
      made += await notify(
        trx,
        studyId,
        {
          kind: 'vial.thaw-window-ending',
          siteId: vial.site_id,
          params: {
            vial: vial.code,
            minutes: Math.ceil(left / 60_000),
            end: formatInZone(end, zones.get(vial.site_id) ?? 'UTC'),
          },
          link: vial.unit_id ? `/product/units/${vial.unit_id}` : '/product',
          eventKey: `thaw-window:${vial.vial_id}:${thawedAt.toISOString()}`,
        },
        now,
      );
    }
    return made;
  });
}
