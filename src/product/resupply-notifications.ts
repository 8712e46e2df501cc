import type { Tx } from '../db/connection.ts';
import { notify } from '../notifications/notify.ts';
import { resupplyDue } from './resupply.service.ts';

/**
 * Around a write that lowers a site's kit stock (a dispensing): whether the site was due for resupply
 * before it, then, after it, tells the unblinded pharmacists (who pack from the depot and may know kit
 * types) once that the site became due. A site that stays due is not told again; once a resupply
 * shipment brings it back to its thresholds, the next fall is a new notification. The text names the
 * site only, never a kit type. Does nothing outside kit studies.
 */
export async function watchResupply(
  trx: Tx,
  studyId: string,
  siteId: string,
  now: Date,
): Promise<(eventKey: string) => Promise<void>> {
  const before = await resupplyDue(trx, studyId, siteId, now);
  return async (eventKey) => {
    if (before !== false) return;
    if (!(await resupplyDue(trx, studyId, siteId, now))) return;
    await notify(
      trx,
      studyId,
      {
        kind: 'product.resupply-due',
        siteId,
        everySite: true,
        params: { site: siteId },
        link: '/product/kits',
        eventKey: `resupply-due:${siteId}:${eventKey}`,
      },
      now,
    );
  };
}
