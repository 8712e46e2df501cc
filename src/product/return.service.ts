import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, DomainError, notFound } from '../kernel/errors.ts';
import { authorize, studyWideRoles } from '../kernel/permissions.ts';
import { usableUntil } from './expiry.ts';
import { BLINDED_LOT, hiddenKitLots } from './kit-blinding.ts';
import {
  addVialEvents,
  findVial,
  type Product,
  productOf,
  relocateVial,
  vialViews,
} from './product.queries.ts';
import type { ReturnRequest, ReturnView } from './return.schema.ts';

/**
 * Records that a dispensed vial came back to the pharmacy unused (the dose was not given, or the vial
 * thawed and was not used within its window). The pharmacist scans the vial; it becomes `returned`,
 * never to be dispensed again, and waits for destruction; the dose visit may be dispensed again. A
 * vial whose dose is recorded as given or interrupted was used: it cannot come back.
 */
export async function returnVial(
  database: Database,
  studyId: string,
  caller: Caller,
  dispensingId: string,
  input: ReturnRequest,
  now = new Date(),
): Promise<ReturnView> {
  authorize(caller.user, 'product.dispense');
  return database.transaction(async (trx) => {
    const dispensing = await trx
      .selectFrom('dispensing')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('dispensing_id', '=', dispensingId)
      .forUpdate()
      .executeTakeFirst();
    if (!dispensing) throw notFound(`Dispensing ${dispensingId}`);
    authorize(caller.user, 'product.dispense', { siteId: dispensing.site_id });
    const vial = await findVial(trx, studyId, { vialId: dispensing.vial_id }, true);
    if (!vial) throw notFound(`Vial ${dispensing.vial_id}`);
    if (dispensing.returned_at) {
      throw conflict(
        `Vial ${vial.code} was already returned at ${new Date(dispensing.returned_at).toISOString()} by ${dispensing.returned_by_name}.`,
      );
    }
    if (input.scannedCode !== vial.code) {
      throw new DomainError(
        'conflict',
        `You scanned ${input.scannedCode}, but this dispensing was vial ${vial.code}. Scan the vial that came back.`,
        { reason: 'wrong_vial' },
      );
    }
    const dose = await trx
      .selectFrom('dosing_administration')
      .select('status')
      .where('study_id', '=', studyId)
      .where('dispensing_id', '=', dispensingId)
      .executeTakeFirst();
    if (dose) {
      throw conflict(
        `The dose of vial ${vial.code} is recorded as ${dose.status}: a vial that was given cannot be returned. ` +
          'If the dose was in fact not given, correct the dose record first.',
      );
    }
    if (vial.state !== 'dispensed') {
      throw conflict(`Vial ${vial.code} is ${vial.state.replace('_', ' ')}, not dispensed.`);
    }
    const product = await productOf(trx, studyId);
    await relocateVial(trx, studyId, product, vial, { unit: null, state: 'returned', at: now });
    await trx
      .updateTable('dispensing')
      .set({
        returned_at: now,
        returned_by: caller.user.userId,
        returned_by_name: caller.user.name,
        return_reason: input.reason,
      })
      .where('study_id', '=', studyId)
      .where('dispensing_id', '=', dispensingId)
      .execute();
    await addVialEvents(trx, studyId, [vial], {
      kind: 'returned_unused',
      at: now,
      siteId: dispensing.site_id,
      participantId: dispensing.participant_id,
      actorLabel: caller.actor.label,
      reason: input.reason,
    });
    await recordParticipantAudit(trx, studyId, caller.actor, dispensing, {
      action: 'vial.return',
      entityType: 'participant',
      entityId: dispensing.participant_id,
      oldValue: { dispensingId, visitId: dispensing.visit_id, vial: vial.code, state: 'dispensed' },
      newValue: { dispensingId, visitId: dispensing.visit_id, vial: vial.code, state: 'returned' },
      reason: input.reason,
    });
    const [view] = await returnViews(
      trx,
      studyId,
      product,
      { dispensingId },
      await hiddenKitLots(trx, studyId, caller.user),
    );
    if (!view) throw notFound(`Dispensing ${dispensingId}`);
    return view;
  });
}

/** Returned vials, newest first: those of the caller's sites (study-wide roles see every site). */
export async function listReturns(
  db: Db,
  studyId: string,
  caller: Caller,
  query: { siteId?: string; awaitingDestruction?: 'true' | 'false' },
): Promise<ReturnView[]> {
  authorize(caller.user, 'product.read', query.siteId ? { siteId: query.siteId } : undefined);
  const allSites = caller.user.roles.some((role) => studyWideRoles.has(role));
  const siteIds = query.siteId ? [query.siteId] : allSites ? undefined : caller.user.siteIds;
  const views = await returnViews(
    db,
    studyId,
    await productOf(db, studyId),
    { siteIds },
    await hiddenKitLots(db, studyId, caller.user),
  );
  if (!query.awaitingDestruction) return views;
  const awaiting = query.awaitingDestruction === 'true';
  return views.filter((view) => (view.vial.state === 'returned') === awaiting);
}

async function returnViews(
  db: Db,
  studyId: string,
  product: Product,
  filter: { dispensingId?: string; siteIds?: string[] },
  hiddenLots: ReadonlySet<string>,
): Promise<ReturnView[]> {
  if (filter.siteIds && filter.siteIds.length === 0) return [];
  const rows = await db
    .selectFrom('dispensing as d')
    .innerJoin('participant as p', (join) =>
      join.onRef('p.study_id', '=', 'd.study_id').onRef('p.participant_id', '=', 'd.participant_id'),
    )
    .innerJoin('product_lot as l', (join) =>
      join.onRef('l.study_id', '=', 'd.study_id').onRef('l.lot_id', '=', 'd.lot_id'),
    )
    .select([
      'd.dispensing_id',
      'd.participant_id',
      'p.study_number',
      'd.visit_id',
      'd.site_id',
      'd.vial_id',
      'l.lot_number',
      'l.lot_id',
      'd.dispensed_at',
      'd.dispensed_by_name',
      'd.thawed_at',
      'd.returned_at',
      'd.returned_by_name',
      'd.return_reason',
    ])
    .where('d.study_id', '=', studyId)
    .where('d.returned_at', 'is not', null)
    .$if(!!filter.dispensingId, (q) => q.where('d.dispensing_id', '=', filter.dispensingId ?? ''))
    .$if(!!filter.siteIds, (q) => q.where('d.site_id', 'in', filter.siteIds ?? []))
    .orderBy('d.returned_at', 'desc')
    .execute();
  if (rows.length === 0) return [];
  const vialRows = await db
    .selectFrom('vial')
    .selectAll()
    .where('study_id', '=', studyId)
    .where(
      'vial_id',
      'in',
      rows.map((row) => row.vial_id),
    )
    .execute();
  const vials = await vialViews(db, studyId, product, vialRows, hiddenLots);
  return rows.flatMap((row) => {
    const vial = vials.find((entry) => entry.vialId === row.vial_id);
    const vialRow = vialRows.find((entry) => entry.vial_id === row.vial_id);
    if (!vial || !vialRow || !row.returned_at) return [];
    const returnedAt = new Date(row.returned_at);
    const useBy = usableUntil(product, { expiresAt: vialRow.expires_at, thawedAt: new Date(row.thawed_at) });
    return [
      {
        dispensingId: row.dispensing_id,
        participantId: row.participant_id,
        studyNumber: row.study_number,
        visitId: row.visit_id,
        siteId: row.site_id,
        lotNumber: hiddenLots.has(row.lot_id) ? BLINDED_LOT.lotNumber : row.lot_number,
        dispensedAt: new Date(row.dispensed_at).toISOString(),
        dispensedBy: row.dispensed_by_name,
        returnedAt: returnedAt.toISOString(),
        returnedBy: row.returned_by_name ?? '',
        reason: row.return_reason ?? '',
        thawWindowPassed: returnedAt.getTime() > useBy.getTime(),
        vial,
      },
    ];
  });
}
