import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { type AccountabilityReport, type CustodyEvent, DEPOT, reconcile } from './accountability.ts';
import { BLINDED_LOT, hiddenKitLots } from './kit-blinding.ts';

/** The accountability report from the custody events and the vials as they are (see accountability.ts). */
export async function accountabilityReport(
  db: Db,
  studyId: string,
  caller: Caller,
): Promise<AccountabilityReport> {
  authorize(caller.user, 'product.read');
  const { protocol } = await currentProtocol(db, studyId);
  const lots = await db
    .selectFrom('product_lot')
    .select(['lot_id', 'lot_number', 'vial_count'])
    .where('study_id', '=', studyId)
    .execute();
  const events = await db
    .selectFrom('vial_event')
    .select(['vial_id', 'lot_id', 'kind', 'site_id', 'participant_id', 'shipment_id'])
    .where('study_id', '=', studyId)
    .where('kind', 'in', ['received', 'shipped_out', 'dispensed', 'returned_unused', 'destroyed', 'lost'])
    .execute();
  const vials = await db
    .selectFrom('vial')
    .select(['vial_id', 'code', 'lot_id', 'state', 'site_id'])
    .where('study_id', '=', studyId)
    .execute();
  const dispensings = await db
    .selectFrom('dispensing as d')
    .innerJoin('participant as p', (join) =>
      join.onRef('p.study_id', '=', 'd.study_id').onRef('p.participant_id', '=', 'd.participant_id'),
    )
    .select([
      'd.participant_id',
      'p.study_number',
      'd.site_id',
      'd.vial_id',
      'd.lot_id',
      'd.visit_id',
      'd.returned_at',
    ])
    .where('d.study_id', '=', studyId)
    .execute();
  // A blinded reader sees every kit lot as one: counts by lot would tell which kits share an arm.
  const hidden = await hiddenKitLots(db, studyId, caller.user);
  const lotOf = (lotId: string) => (hidden.has(lotId) ? BLINDED_LOT.lotId : lotId);
  const shown = lots.filter((lot) => !hidden.has(lot.lot_id));
  const merged = lots.filter((lot) => hidden.has(lot.lot_id));
  const report = reconcile({
    lots: [
      ...shown.map((lot) => ({ lotId: lot.lot_id, lotNumber: lot.lot_number, vialCount: lot.vial_count })),
      ...(merged.length > 0
        ? [{ ...BLINDED_LOT, vialCount: merged.reduce((sum, lot) => sum + lot.vial_count, 0) }]
        : []),
    ],
    events: events.map((event) => ({
      vialId: event.vial_id,
      lotId: lotOf(event.lot_id),
      kind: event.kind as CustodyEvent['kind'],
      siteId: event.site_id,
      participantId: event.participant_id,
      inTransit: event.kind === 'lost' && event.shipment_id !== null,
    })),
    vials: vials.map((vial) => ({
      vialId: vial.vial_id,
      code: vial.code,
      lotId: lotOf(vial.lot_id),
      state: vial.state,
      siteId: vial.site_id,
    })),
    dispensings: dispensings.map((row) => ({
      participantId: row.participant_id,
      studyNumber: row.study_number,
      siteId: row.site_id,
      vialId: row.vial_id,
      lotId: lotOf(row.lot_id),
      visitId: row.visit_id,
      returned: row.returned_at !== null,
    })),
    numberOfDoses: protocol.regimen.numberOfDoses,
  });
  // People of one site see their site's rows and the depot's; study-wide roles see everything.
  const visible = (site: string) => site === DEPOT || canAccessSite(caller.user, site);
  return {
    sites: report.sites.filter((row) => visible(row.site)),
    lots: report.lots,
    participants: report.participants.filter((row) => visible(row.siteId)),
    imbalances: report.imbalances,
  };
}
