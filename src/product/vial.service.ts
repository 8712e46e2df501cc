import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { authorize, canAccessSite, studyWideRoles } from '../kernel/permissions.ts';
import { refreezeForbidden } from './expiry.ts';
import { hiddenKitLots, refuseHiddenLot } from './kit-blinding.ts';
import {
  addVialEvents,
  findUnit,
  findVial,
  type Product,
  productOf,
  relocateVial,
  type VialRow,
  vialViews,
} from './product.queries.ts';
import type { VialView } from './product.schema.ts';
import { reviewResupply } from './resupply-notifications.ts';

const scopeOf = (vial: { site_id: string | null }) => (vial.site_id ? { siteId: vial.site_id } : undefined);

export const dispositionMeanings = {
  release:
    'I have assessed the temperature excursion against the stability data and release this vial for use.',
  destroy: 'I have assessed this vial as unfit for use and order its destruction.',
} as const;

async function lockedVial(trx: Tx, studyId: string, vialId: string, version?: number): Promise<VialRow> {
  const vial = await findVial(trx, studyId, { vialId }, true);
  if (!vial) throw notFound(`Vial ${vialId}`);
  if (version !== undefined && vial.version !== version) {
    throw conflict(`Vial ${vial.code} was changed by someone else (version ${vial.version}); reload it.`);
  }
  return vial;
}

export async function listVials(
  db: Db,
  studyId: string,
  caller: Caller,
  query: {
    lotId?: string;
    siteId?: string;
    unitId?: string;
    state?: VialRow['state'];
    quarantined?: 'true' | 'false';
    limit: number;
    offset: number;
  },
): Promise<{ items: VialView[]; total: number }> {
  authorize(caller.user, 'product.read', query.siteId ? { siteId: query.siteId } : undefined);
  const hidden = await hiddenKitLots(db, studyId, caller.user);
  refuseHiddenLot(hidden, query.lotId);
  const allSites = caller.user.roles.some((role) => studyWideRoles.has(role));
  let base = db.selectFrom('vial').where('study_id', '=', studyId);
  if (query.lotId) base = base.where('lot_id', '=', query.lotId);
  if (query.siteId) base = base.where('site_id', '=', query.siteId);
  if (query.unitId) base = base.where('unit_id', '=', query.unitId);
  if (query.state) base = base.where('state', '=', query.state);
  if (query.quarantined) {
    base = base.where('quarantined_at', query.quarantined === 'true' ? 'is not' : 'is', null);
  }
  if (!allSites) {
    base = base.where((eb) =>
      eb.or([
        eb('site_id', 'is', null),
        ...(caller.user.siteIds.length ? [eb('site_id', 'in', caller.user.siteIds)] : []),
      ]),
    );
  }
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await base.selectAll().orderBy('code').limit(query.limit).offset(query.offset).execute();
  return {
    items: await vialViews(db, studyId, await productOf(db, studyId), rows, hidden),
    total: Number(total.n),
  };
}

/** One vial by id or by its scanned code. */
export async function getVial(
  db: Db,
  studyId: string,
  caller: Caller,
  by: { vialId: string } | { code: string },
): Promise<VialView> {
  authorize(caller.user, 'product.read');
  const vial = await findVial(db, studyId, by);
  if (!vial) throw notFound('vialId' in by ? `Vial ${by.vialId}` : `A vial with code ${by.code}`);
  if (vial.site_id && !canAccessSite(caller.user, vial.site_id)) throw notFound(`Vial ${vial.code}`);
  const [view] = await vialViews(
    db,
    studyId,
    await productOf(db, studyId),
    [vial],
    await hiddenKitLots(db, studyId, caller.user),
  );
  if (!view) throw notFound(`Vial ${vial.code}`);
  return view;
}

async function viewOf(
  trx: Tx,
  studyId: string,
  caller: Caller,
  product: Product,
  vialId: string,
): Promise<VialView> {
  const row = await findVial(trx, studyId, { vialId });
  const hidden = await hiddenKitLots(trx, studyId, caller.user);
  const [view] = row ? await vialViews(trx, studyId, product, [row], hidden) : [];
  if (!view) throw notFound(`Vial ${vialId}`);
  return view;
}

const inStock = (vial: VialRow) => {
  if (vial.state !== 'in_stock')
    throw conflict(`Vial ${vial.code} is ${vial.state.replace('_', ' ')}, not in stock.`);
};

/** Takes a frozen vial out to thaw: from now it must be used within the thaw-to-use window. */
export async function thawVial(
  database: Database,
  studyId: string,
  caller: Caller,
  vialId: string,
  version: number,
  now = new Date(),
): Promise<VialView> {
  return database.transaction(async (trx) => {
    const vial = await lockedVial(trx, studyId, vialId, version);
    authorize(caller.user, 'product.dispense', scopeOf(vial));
    inStock(vial);
    if (vial.thawed_at)
      throw conflict(`Vial ${vial.code} was already thawed at ${vial.thawed_at.toISOString()}.`);
    await trx
      .updateTable('vial')
      .set({ thawed_at: now, updated_at: now, version: vial.version + 1 })
      .where('study_id', '=', studyId)
      .where('vial_id', '=', vialId)
      .execute();
    await addVialEvents(trx, studyId, [vial], {
      kind: 'thawed',
      at: now,
      siteId: vial.site_id,
      unitId: vial.unit_id,
      actorLabel: caller.actor.label,
    });
    await recordAudit(trx, studyId, caller.actor, {
      action: 'vial.thaw',
      entityType: 'vial',
      entityId: vialId,
      field: 'thawed_at',
      newValue: now.toISOString(),
    });
    // A thawed kit is no longer stock to plan with: its site may become due for resupply.
    await reviewResupply(trx, studyId, [vial.site_id], now, caller.actor);
    return viewOf(trx, studyId, caller, await productOf(trx, studyId), vialId);
  });
}

/** Moves a vial between storage units of the same site (between sites, ship it). */
export async function moveVial(
  database: Database,
  studyId: string,
  caller: Caller,
  vialId: string,
  input: { unitId: string; version: number },
  now = new Date(),
): Promise<VialView> {
  return database.transaction(async (trx) => {
    const vial = await lockedVial(trx, studyId, vialId, input.version);
    authorize(caller.user, 'product.store', scopeOf(vial));
    inStock(vial);
    const unit = await findUnit(trx, studyId, input.unitId);
    if (unit.site_id !== vial.site_id) {
      throw conflict(`Unit ${unit.code} is at another site: send the vial in a shipment instead.`);
    }
    if (unit.kind === 'shipping_container')
      throw conflict(`Unit ${unit.code} is a shipping container: pack a shipment.`);
    const product = await productOf(trx, studyId);
    if (refreezeForbidden(product, vial.thawed_at !== null, unit.nominal_celsius)) {
      throw conflict(`Vial ${vial.code} has been thawed and the protocol forbids refreezing it.`);
    }
    await relocateVial(trx, studyId, product, vial, { unit, state: 'in_stock', at: now });
    await recordAudit(trx, studyId, caller.actor, {
      action: 'vial.move',
      entityType: 'vial',
      entityId: vialId,
      field: 'unit_id',
      oldValue: vial.unit_id,
      newValue: unit.unit_id,
    });
    return viewOf(trx, studyId, caller, product, vialId);
  });
}

/** Destruction or loss of a vial in the trial's hands, with the reason. */
export async function writeOffVial(
  database: Database,
  studyId: string,
  caller: Caller,
  vialId: string,
  input: { kind: 'destroyed' | 'lost'; reason: string; version: number },
  now = new Date(),
): Promise<VialView> {
  return database.transaction(async (trx) => {
    const vial = await lockedVial(trx, studyId, vialId, input.version);
    authorize(caller.user, 'product.disposition', scopeOf(vial));
    // A returned vial waits in the pharmacy for exactly this: its destruction (or, at worst, its loss).
    const allowed =
      vial.state === 'in_stock' ||
      vial.state === 'returned' ||
      (input.kind === 'lost' && vial.state === 'in_transit');
    if (!allowed) {
      throw conflict(
        `Vial ${vial.code} is ${vial.state.replace('_', ' ')}; it cannot be recorded as ${input.kind}.`,
      );
    }
    const product = await productOf(trx, studyId);
    await writeOff(trx, studyId, caller, product, vial, input.kind, input.reason, now);
    // A kit lost on its way lowers what its destination has coming: review every site then.
    await reviewResupply(
      trx,
      studyId,
      vial.state === 'in_transit' ? 'all' : [vial.site_id],
      now,
      caller.actor,
    );
    return viewOf(trx, studyId, caller, product, vialId);
  });
}

async function writeOff(
  trx: Tx,
  studyId: string,
  caller: Caller,
  product: Product,
  vial: VialRow,
  kind: 'destroyed' | 'lost',
  reason: string,
  now: Date,
): Promise<void> {
  // A vial lost in transit left its sender with the shipment and never reached anyone: its event names
  // the shipment, and accountability charges it to the lot, not to a site.
  const shipped =
    vial.state === 'in_transit'
      ? await trx
          .selectFrom('vial_event')
          .select(['site_id', 'shipment_id'])
          .where('study_id', '=', studyId)
          .where('vial_id', '=', vial.vial_id)
          .where('kind', '=', 'shipped_out')
          .orderBy('at', 'desc')
          .executeTakeFirst()
      : undefined;
  const siteId = shipped ? shipped.site_id : vial.site_id;
  await relocateVial(trx, studyId, product, vial, { unit: null, state: kind, at: now });
  await trx
    .updateTable('vial')
    .set({ site_id: siteId, quarantined_at: null })
    .where('study_id', '=', studyId)
    .where('vial_id', '=', vial.vial_id)
    .execute();
  await addVialEvents(trx, studyId, [vial], {
    kind,
    at: now,
    siteId,
    unitId: vial.unit_id,
    shipmentId: shipped?.shipment_id ?? null,
    actorLabel: caller.actor.label,
    reason,
  });
  await recordAudit(trx, studyId, caller.actor, {
    action: kind === 'destroyed' ? 'vial.destroy' : 'vial.lose',
    entityType: 'vial',
    entityId: vial.vial_id,
    field: 'state',
    oldValue: vial.state,
    newValue: kind,
    reason,
  });
}

/**
 * The disposition of quarantined vials (e-signed): release them back to stock, or destroy them,
 * with the reason. Vials given to the call that are not quarantined are refused, not skipped.
 */
export async function dispositionVials(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  target: { vialId: string } | { excursionId: string },
  input: { decision: 'release' | 'destroy'; reason: string; password: string },
  now = new Date(),
): Promise<{ vials: number }> {
  authorize(caller.user, 'product.disposition');
  const signed =
    'vialId' in target
      ? { entityType: 'vial', entityId: target.vialId }
      : { entityType: 'excursion', entityId: target.excursionId };
  const meaning = dispositionMeanings[input.decision];
  await reauthenticate(database, studyId, caller, input.password, { ...signed, meaning }, lockout);
  return database.transaction(async (trx) => {
    const product = await productOf(trx, studyId);
    let vials: VialRow[];
    if ('vialId' in target) {
      const vial = await lockedVial(trx, studyId, target.vialId);
      if (!vial.quarantined_at) throw conflict(`Vial ${vial.code} is not quarantined.`);
      vials = [vial];
    } else {
      const excursion = await trx
        .selectFrom('excursion')
        .select('excursion_id')
        .where('study_id', '=', studyId)
        .where('excursion_id', '=', target.excursionId)
        .executeTakeFirst();
      if (!excursion) throw notFound(`Excursion ${target.excursionId}`);
      vials = await trx
        .selectFrom('vial')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('quarantine_excursion_id', '=', target.excursionId)
        .where('quarantined_at', 'is not', null)
        .forUpdate()
        .execute();
      if (vials.length === 0) throw conflict('No vial of this excursion is waiting for a disposition.');
    }
    for (const vial of vials) {
      authorize(caller.user, 'product.disposition', scopeOf(vial));
      if (vial.state !== 'in_stock') {
        throw conflict(
          `Vial ${vial.code} is ${vial.state.replace('_', ' ')}: receive it before deciding on it.`,
        );
      }
    }
    for (const vial of vials) {
      await trx
        .insertInto('vial_disposition')
        .values({
          study_id: studyId,
          disposition_id: randomUUID(),
          vial_id: vial.vial_id,
          excursion_id: vial.quarantine_excursion_id,
          decision: input.decision,
          reason: input.reason,
          decided_by: caller.user.userId,
          decided_by_name: caller.user.name,
          decided_at: now,
        })
        .execute();
      if (input.decision === 'destroy') {
        await writeOff(trx, studyId, caller, product, vial, 'destroyed', input.reason, now);
        continue;
      }
      await trx
        .updateTable('vial')
        .set({ quarantined_at: null, quarantine_reason: null, updated_at: now, version: vial.version + 1 })
        .where('study_id', '=', studyId)
        .where('vial_id', '=', vial.vial_id)
        .execute();
      await addVialEvents(trx, studyId, [vial], {
        kind: 'quarantine_released',
        at: now,
        siteId: vial.site_id,
        unitId: vial.unit_id,
        actorLabel: caller.actor.label,
        reason: input.reason,
      });
    }
    await recordAudit(trx, studyId, caller.actor, {
      action: 'vial.disposition',
      entityType: 'excursionId' in target ? 'excursion' : 'vial',
      entityId: 'excursionId' in target ? target.excursionId : target.vialId,
      newValue: {
        decision: input.decision,
        meaning: dispositionMeanings[input.decision],
        signer: caller.user.name,
        vials: vials.map((vial) => vial.code),
      },
      reason: input.reason,
    });
    const sites = [...new Set(vials.map((vial) => vial.site_id))];
    await reviewResupply(trx, studyId, sites, now, caller.actor);
    return { vials: vials.length };
  });
}
