import type { Tx } from '../db/connection.ts';
import { notify } from '../notifications/notify.ts';
import type { UnitRow } from './product.queries.ts';

/** Vial codes named in the text; the rest are counted (the unit's page lists them all). */
const NAMED_VIALS = 20;

/**
 * An excursion (or a silent logger) that quarantined vials: the site's pharmacist and investigator
 * hear which, in the transaction that quarantined them. An excursion that grows and quarantines more
 * vials tells them again (the key counts the vials before). A central depot's unit concerns the
 * pharmacists alone.
 */
export async function notifyQuarantine(
  trx: Tx,
  studyId: string,
  unit: UnitRow,
  excursion: { excursionId: string; quarantinedBefore: number; codes: string[] },
): Promise<void> {
  if (excursion.codes.length === 0) return;
  const codes = [...excursion.codes].sort();
  const named = codes.slice(0, NAMED_VIALS).join(', ');
  const more = codes.length - NAMED_VIALS;
  await notify(trx, studyId, {
    kind: 'excursion.quarantined',
    siteId: unit.site_id,
    ...(unit.site_id === null ? { roles: ['pharmacist', 'unblinded_pharmacist'] } : {}),
    params: {
      unit: `${unit.code} (${unit.name})`,
      count: codes.length,
      vials: more > 0 ? `${named} … (+${more})` : named,
    },
    link: `/product/units/${unit.unit_id}`,
    eventKey: `excursion:${excursion.excursionId}:${excursion.quarantinedBefore}`,
  });
}
