import type { UserView } from '../auth/auth.schema.ts';
import type { Db } from '../db/connection.ts';
import { forbidden } from '../kernel/errors.ts';
import { armsVisible } from '../randomisation/blinding.ts';
import { BLINDED_LOT } from './product.schema.ts';

// In a kit study each lot holds kits of one type, so a lot tells which kits share an arm: two
// participants given kits of one lot took the same arm. A blinded role therefore sees every kit lot as
// one: vials, dispensings and the accountability report name it BLINDED_LOT, and a kit lot's vials
// or labels are not listed for it. A kit number alone says nothing and stays visible.

export { BLINDED_LOT };

/** The kit lots that this user may not tell apart; empty for roles that may see arms (and outside kit studies). */
export async function hiddenKitLots(
  db: Db,
  studyId: string,
  user: Pick<UserView, 'roles'>,
): Promise<ReadonlySet<string>> {
  if (await armsVisible(db, studyId, user)) return new Set();
  const rows = await db
    .selectFrom('product_lot')
    .select('lot_id')
    .where('study_id', '=', studyId)
    .where('kit_type', 'is not', null)
    .execute();
  return new Set(rows.map((row) => row.lot_id));
}

/** A lot's id and number as this reader may see them. */
export const lotAsSeen = (hidden: ReadonlySet<string>, lot: { lotId: string; lotNumber: string }) =>
  hidden.has(lot.lotId) ? BLINDED_LOT : lot;

/** Refuses what would list one kit lot's kits to a blinded role (its vials, its labels). */
export function refuseHiddenLot(hidden: ReadonlySet<string>, lotId: string | undefined): void {
  if (lotId && hidden.has(lotId)) {
    throw forbidden(
      'A kit lot’s kits are listed to unblinded roles only: the lot tells which kits share an arm. Look kits up by kit number instead.',
    );
  }
}
