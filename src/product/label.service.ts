import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { notFound, validationFailed } from '../kernel/errors.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import type { LabelQuery } from './inventory.schema.ts';
import { hiddenKitLots, refuseHiddenLot } from './kit-blinding.ts';
import type { LabelHeader, VialLabel } from './label-pdf.ts';

/**
 * What to print on the labels of every vial of a lot, or of the vials named by code (rendered outside
 * the database call). Vials of sites the caller does not work at are treated as unknown, as everywhere
 * else in the product API.
 */
export async function vialLabels(
  db: Db,
  studyId: string,
  caller: Caller,
  query: Pick<LabelQuery, 'lotId' | 'codes'>,
): Promise<{ labels: VialLabel[]; header: LabelHeader; fileName: string }> {
  authorize(caller.user, 'product.manage');
  const { protocol } = await currentProtocol(db, studyId);
  refuseHiddenLot(await hiddenKitLots(db, studyId, caller.user), query.lotId);
  let base = db
    .selectFrom('vial as v')
    .innerJoin('product_lot as l', (join) =>
      join.onRef('l.study_id', '=', 'v.study_id').onRef('l.lot_id', '=', 'v.lot_id'),
    )
    .select(['v.code', 'v.site_id', 'v.expires_at', 'l.lot_number', 'l.kit_type', 'l.volume_ml'])
    .where('v.study_id', '=', studyId);
  let fileName = 'vial-labels.pdf';
  if (query.lotId) {
    const lot = await db
      .selectFrom('product_lot')
      .select('lot_number')
      .where('study_id', '=', studyId)
      .where('lot_id', '=', query.lotId)
      .executeTakeFirst();
    if (!lot) throw notFound(`Lot ${query.lotId}`);
    base = base.where('v.lot_id', '=', query.lotId);
    fileName = `labels-${lot.lot_number}.pdf`;
  } else {
    base = base.where('v.code', 'in', query.codes ?? []);
  }
  // Kits by kit number: sorted by lot, a sheet would group kits of one type.
  const ordered = protocol.supply
    ? base.orderBy('v.code')
    : base.orderBy('l.lot_number').orderBy('v.sequence');
  const rows = (await ordered.execute()).filter(
    (row) => !row.site_id || canAccessSite(caller.user, row.site_id),
  );
  if (query.codes) {
    const found = new Set(rows.map((row) => row.code));
    const unknown = query.codes.filter((code) => !found.has(code));
    if (unknown.length > 0) {
      throw validationFailed([
        {
          field: 'codes',
          message: `No vial of your sites has the code ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ` (and ${unknown.length - 10} more)` : ''}. Check the codes.`,
        },
      ]);
    }
  }
  if (rows.length === 0) throw notFound('A vial of this lot at your sites');
  const volumes = [...new Set(rows.map((row) => row.volume_ml))];
  const header: LabelHeader = {
    study: `${protocol.study.shortTitle} · ${protocol.study.registryId}`,
    product: `${protocol.product.code}${volumes.length === 1 ? ` · ${volumes[0]} mL` : ''}`,
    storage: `Store at ${protocol.product.storage.temperatureCelsius} °C`,
  };
  const labels: VialLabel[] = rows.map((row) => ({
    code: row.code,
    // A kit's label is read by everyone who handles it, blinded or not: never its lot, only its kit number.
    lotNumber: row.kit_type === null ? row.lot_number : null,
    expiresOn: new Date(row.expires_at).toISOString().slice(0, 10),
  }));
  return { labels, header, fileName };
}
