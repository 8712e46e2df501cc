import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, notFound } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant, type ParticipantRow } from '../participants/participant.queries.ts';
import { visitWindows } from '../participants/schedule.ts';
import { writableParticipant } from '../participants/writable.ts';
import type { Protocol } from '../protocol/schema.ts';
import { assertDosingAllowed } from '../safety/pause.service.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { dateInZone, siteTimeZone } from '../study/site-time.ts';
import { usabilityAt, usableUntil } from './expiry.ts';
import { BLINDED_LOT, hiddenKitLots } from './kit-blinding.ts';
import {
  addVialEvents,
  findVial,
  type Product,
  relocateVial,
  type VialRow,
  vialViews,
} from './product.queries.ts';
import type { DispenseRequest, DispensingView, VialView } from './product.schema.ts';
import { reviewResupply } from './resupply-notifications.ts';

/** Why a dispensing is refused; sent as `details.reason` with a message that says what to do. */
export type RefusalReason =
  | 'unknown_vial'
  | 'wrong_vial'
  | 'wrong_kit'
  | 'not_allocated'
  | 'already_used'
  | 'in_transit'
  | 'other_site'
  | 'lot_not_released'
  | 'quarantined'
  | 'expired'
  | 'thaw_window_passed'
  | 'participant_not_on_treatment'
  | 'not_a_dose_visit'
  | 'outside_visit_window'
  | 'dose_already_dispensed'
  | 'no_vial_available';

const refuse = (reason: RefusalReason, message: string) =>
  new DomainError(reason === 'unknown_vial' ? 'not_found' : 'conflict', message, { reason });

/** The calendar date of an instant in a site's time zone. */
export { dateInZone };

interface DoseContext {
  participant: ParticipantRow;
  product: Product;
  siteZone: string;
  /** The kit type the participant's arm takes, in a kit study; null otherwise. */
  kitType: string | null;
}

/** The participant is on treatment, the visit is one of the regimen's dose visits, today is in its window, no vial yet. */
async function checkDose(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
  visitId: string,
  now: Date,
): Promise<DoseContext> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'product.dispense', { siteId: participant.site_id });
  const { protocol } = await currentProtocol(db, studyId);
  const label = participant.study_number ?? participant.screening_number;
  if (participant.status !== 'enrolled' || !participant.day1_date) {
    throw refuse(
      'participant_not_on_treatment',
      `Participant ${label} is ${participant.status}, not on treatment: no dose can be dispensed.`,
    );
  }
  if (!protocol.regimen.doseVisits.includes(visitId)) {
    throw refuse(
      'not_a_dose_visit',
      `Visit ${visitId} is not a dose visit; the dose visits are ${protocol.regimen.doseVisits.join(', ')}.`,
    );
  }
  const zone = await siteTimeZone(db, studyId, participant.site_id);
  const window = visitWindows(protocol, participant.day1_date).find((entry) => entry.visitId === visitId);
  const today = dateInZone(now, zone);
  if (
    window?.earliestDate &&
    window.latestDate &&
    (today < window.earliestDate || today > window.latestDate)
  ) {
    throw refuse(
      'outside_visit_window',
      `Visit ${visitId} of ${label} is due ${window.earliestDate}${window.latestDate === window.earliestDate ? '' : ` to ${window.latestDate}`}; today is ${today}.`,
    );
  }
  const given = await db
    .selectFrom('dispensing')
    .innerJoin('vial', (join) =>
      join
        .onRef('vial.study_id', '=', 'dispensing.study_id')
        .onRef('vial.vial_id', '=', 'dispensing.vial_id'),
    )
    .select(['vial.code', 'dispensing.dispensed_at'])
    .where('dispensing.study_id', '=', studyId)
    .where('dispensing.participant_id', '=', participantId)
    .where('dispensing.visit_id', '=', visitId)
    // A vial that came back unused leaves its dose visit to be dispensed again.
    .where('dispensing.returned_at', 'is', null)
    .executeTakeFirst();
  if (given) {
    throw refuse(
      'dose_already_dispensed',
      `Vial ${given.code} was already dispensed to ${label} for ${visitId} at ${new Date(given.dispensed_at).toISOString()}.`,
    );
  }
  const kitType = await kitTypeFor(db, studyId, protocol, participant);
  return { participant, product: protocol.product, siteZone: zone, kitType };
}

/**
 * The kit type a participant's arm takes, from the allocation (kit studies only). Read here and never
 * returned: callers filter and refuse by it without naming it, so blinded staff learn nothing.
 */
async function kitTypeFor(
  db: Db,
  studyId: string,
  protocol: Protocol,
  participant: ParticipantRow,
): Promise<string | null> {
  if (!protocol.supply) return null;
  const allocation = await db
    .selectFrom('randomisation_allocation')
    .select('arm')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .executeTakeFirst();
  const label = participant.study_number ?? participant.screening_number;
  if (!allocation) {
    throw refuse('not_allocated', `Participant ${label} has no allocation: no kit can be dispensed.`);
  }
  const kitType = protocol.supply.kitTypes.find((type) => type.arms.includes(allocation.arm));
  if (!kitType) {
    throw refuse('not_allocated', `No kit type of the protocol serves the allocation of ${label}.`);
  }
  return kitType.id;
}

/**
 * Whether a vial can be given to a participant of `siteId` now; the first problem found, or null.
 * In a kit study the vial's kit type must be `kitType`; the refusal says not which type or arm.
 */
async function vialProblem(
  db: Db,
  studyId: string,
  product: Product,
  vial: VialRow,
  siteId: string,
  now: Date,
  kitType: string | null,
) {
  if (vial.state === 'returned') {
    return refuse(
      'already_used',
      `Vial ${vial.code} was dispensed before and returned unused: it is held for destruction, never dispensed again. Scan another vial.`,
    );
  }
  if (vial.state === 'dispensed' || vial.state === 'destroyed' || vial.state === 'lost') {
    return refuse(
      'already_used',
      `Vial ${vial.code} is ${vial.state}: it cannot be dispensed. Scan another vial.`,
    );
  }
  if (vial.state === 'in_transit')
    return refuse('in_transit', `Vial ${vial.code} is in transit and has not been received.`);
  if (vial.site_id !== siteId) {
    return refuse(
      'other_site',
      `Vial ${vial.code} belongs to ${vial.site_id ?? 'the central depot'}, not to this participant's site (${siteId}).`,
    );
  }
  const lot = await db
    .selectFrom('product_lot')
    .select(['lot_number', 'status', 'kit_type'])
    .where('study_id', '=', studyId)
    .where('lot_id', '=', vial.lot_id)
    .executeTakeFirstOrThrow();
  if (kitType !== null && lot.kit_type !== kitType) {
    return refuse('wrong_kit', 'This kit cannot be dispensed to this participant; scan the kit proposed.');
  }
  if (lot.status !== 'released') {
    return refuse(
      'lot_not_released',
      `Lot ${lot.lot_number} of vial ${vial.code} is ${lot.status}, not released.`,
    );
  }
  if (vial.quarantined_at) {
    return refuse(
      'quarantined',
      `Vial ${vial.code} is quarantined (${vial.quarantine_reason ?? 'no reason given'}); it needs a disposition first.`,
    );
  }
  const usability = usabilityAt(product, { expiresAt: vial.expires_at, thawedAt: vial.thawed_at }, now);
  if (!usability.usable) {
    return usability.reason === 'expired'
      ? refuse('expired', `Vial ${vial.code} expired at ${usability.since.toISOString()}.`)
      : refuse(
          'thaw_window_passed',
          `Vial ${vial.code} was thawed at ${vial.thawed_at?.toISOString()} and had to be used by ${usability.since.toISOString()}.`,
        );
  }
  return null;
}

/**
 * Usable vials at a site, best first: thawed ones (else wasted) then first-expiring first out; in a
 * kit study only kits of the participant's `kitType`.
 */
async function candidates(
  db: Db,
  studyId: string,
  product: Product,
  siteId: string,
  now: Date,
  kitType: string | null,
): Promise<VialRow[]> {
  const rows = await db
    .selectFrom('vial')
    .innerJoin('product_lot as lot', (join) =>
      join.onRef('lot.study_id', '=', 'vial.study_id').onRef('lot.lot_id', '=', 'vial.lot_id'),
    )
    .innerJoin('storage_unit as unit', (join) =>
      join.onRef('unit.study_id', '=', 'vial.study_id').onRef('unit.unit_id', '=', 'vial.unit_id'),
    )
    .selectAll('vial')
    .where('vial.study_id', '=', studyId)
    .where('vial.site_id', '=', siteId)
    .where('vial.state', '=', 'in_stock')
    .where('vial.quarantined_at', 'is', null)
    .where('lot.status', '=', 'released')
    .where('unit.kind', '!=', 'shipping_container')
    .where('vial.expires_at', '>', now)
    .$if(kitType !== null, (query) => query.where('lot.kit_type', '=', kitType))
    .execute();
  return rows
    .filter(
      (vial) => usabilityAt(product, { expiresAt: vial.expires_at, thawedAt: vial.thawed_at }, now).usable,
    )
    .sort(
      (a, b) =>
        Number(b.thawed_at !== null) - Number(a.thawed_at !== null) ||
        usableUntil(product, { expiresAt: a.expires_at, thawedAt: a.thawed_at }).getTime() -
          usableUntil(product, { expiresAt: b.expires_at, thawedAt: b.thawed_at }).getTime() ||
        a.code.localeCompare(b.code),
    );
}

/** The vial the pharmacist should take for a participant's dose. */
export async function proposeVial(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
  visitId: string,
  now = new Date(),
): Promise<{
  participantId: string;
  studyNumber: string | null;
  visitId: string;
  vial: VialView;
  alternatives: number;
}> {
  const { participant, product, kitType } = await checkDose(db, studyId, caller, participantId, visitId, now);
  const found = await candidates(db, studyId, product, participant.site_id, now, kitType);
  const best = found[0];
  if (!best) {
    throw refuse(
      'no_vial_available',
      kitType === null
        ? `No released, unquarantined, unexpired vial is in stock at ${participant.site_id}. Order a shipment.`
        : `No released, unquarantined, unexpired kit for this participant is in stock at ${participant.site_id}. Order a shipment.`,
    );
  }
  const [vial] = await vialViews(db, studyId, product, [best], await hiddenKitLots(db, studyId, caller.user));
  if (!vial) throw notFound(`Vial ${best.vial_id}`);
  return {
    participantId,
    studyNumber: participant.study_number,
    visitId,
    vial,
    alternatives: found.length - 1,
  };
}

/**
 * Dispenses a scanned vial for a participant's dose. Every check is made again inside the
 * transaction with the vial row locked, so two pharmacists cannot give the same vial. A frozen vial
 * is taken as thawed now; the dosing record links to the dispensing row returned.
 */
export async function dispenseVial(
  database: Database,
  studyId: string,
  caller: Caller,
  input: DispenseRequest,
  now = new Date(),
): Promise<DispensingView> {
  return database.transaction(async (trx) => {
    // Locked first: a status change or casebook lock of the participant waits for this dispensing.
    await writableParticipant(trx, studyId, input.participantId, { caller, permission: 'product.dispense' });
    const { participant, product, kitType } = await checkDose(
      trx,
      studyId,
      caller,
      input.participantId,
      input.visitId,
      now,
    );
    // A study paused by a stopping rule or the safety officer dispenses nothing until resumed.
    await assertDosingAllowed(trx, studyId);
    const vial = await findVial(trx, studyId, { code: input.scannedCode }, true);
    if (!vial)
      throw refuse(
        'unknown_vial',
        `No vial has the code ${input.scannedCode}. Check the label and scan again.`,
      );
    const problem = await vialProblem(trx, studyId, product, vial, participant.site_id, now, kitType);
    if (problem) throw problem;
    if (vial.vial_id !== input.expectedVialId) {
      const expected = await findVial(trx, studyId, { vialId: input.expectedVialId });
      throw refuse(
        'wrong_vial',
        `You scanned ${vial.code}, but the vial to dispense is ${expected?.code ?? 'another one'}. Take the proposed vial, or ask for a new proposal.`,
      );
    }
    const view = await recordDispensing(trx, studyId, caller, product, participant, vial, input.visitId, now);
    await reviewResupply(trx, studyId, [participant.site_id], now, caller.actor);
    return view;
  });
}

async function recordDispensing(
  trx: Tx,
  studyId: string,
  caller: Caller,
  product: Product,
  participant: ParticipantRow,
  vial: VialRow,
  visitId: string,
  now: Date,
): Promise<DispensingView> {
  const dispensingId = randomUUID();
  const thawedAt = vial.thawed_at ?? now;
  await relocateVial(trx, studyId, product, vial, { unit: null, state: 'dispensed', at: now });
  await trx
    .updateTable('vial')
    .set({ thawed_at: thawedAt })
    .where('study_id', '=', studyId)
    .where('vial_id', '=', vial.vial_id)
    .execute();
  await trx
    .insertInto('dispensing')
    .values({
      study_id: studyId,
      dispensing_id: dispensingId,
      participant_id: participant.participant_id,
      visit_id: visitId,
      vial_id: vial.vial_id,
      lot_id: vial.lot_id,
      site_id: participant.site_id,
      dispensed_at: now,
      dispensed_by: caller.user.userId,
      dispensed_by_name: caller.user.name,
      thawed_at: thawedAt,
    })
    .execute();
  await addVialEvents(trx, studyId, [vial], {
    kind: 'dispensed',
    at: now,
    siteId: participant.site_id,
    unitId: vial.unit_id,
    participantId: participant.participant_id,
    actorLabel: caller.actor.label,
  });
  await recordParticipantAudit(trx, studyId, caller.actor, participant, {
    action: 'vial.dispense',
    entityType: 'participant',
    entityId: participant.participant_id,
    newValue: { dispensingId, visitId, vial: vial.code, thawedAt: thawedAt.toISOString() },
  });
  const [view] = await dispensingViews(
    trx,
    studyId,
    product,
    { dispensingId },
    await hiddenKitLots(trx, studyId, caller.user),
  );
  if (!view) throw notFound(`Dispensing ${dispensingId}`);
  return view;
}

export async function dispensingViews(
  db: Db,
  studyId: string,
  product: Product,
  filter: { dispensingId?: string; participantId?: string },
  /** Kit lots the reader may not tell apart (hiddenKitLots). */
  hiddenLots: ReadonlySet<string>,
): Promise<DispensingView[]> {
  const rows = await db
    .selectFrom('dispensing as d')
    .innerJoin('vial as v', (join) =>
      join.onRef('v.study_id', '=', 'd.study_id').onRef('v.vial_id', '=', 'd.vial_id'),
    )
    .innerJoin('product_lot as l', (join) =>
      join.onRef('l.study_id', '=', 'd.study_id').onRef('l.lot_id', '=', 'd.lot_id'),
    )
    .select([
      'd.dispensing_id',
      'd.participant_id',
      'd.visit_id',
      'd.vial_id',
      'v.code',
      'l.lot_number',
      'l.lot_id',
      'd.site_id',
      'd.dispensed_at',
      'd.dispensed_by_name',
      'd.thawed_at',
      'v.expires_at',
      'd.returned_at',
      'd.returned_by_name',
      'd.return_reason',
    ])
    .where('d.study_id', '=', studyId)
    .$if(!!filter.dispensingId, (q) => q.where('d.dispensing_id', '=', filter.dispensingId ?? ''))
    .$if(!!filter.participantId, (q) => q.where('d.participant_id', '=', filter.participantId ?? ''))
    .orderBy('d.dispensed_at')
    .execute();
  return rows.map((row) => ({
    dispensingId: row.dispensing_id,
    participantId: row.participant_id,
    visitId: row.visit_id,
    vialId: row.vial_id,
    vialCode: row.code,
    lotNumber: hiddenLots.has(row.lot_id) ? BLINDED_LOT.lotNumber : row.lot_number,
    siteId: row.site_id,
    dispensedAt: new Date(row.dispensed_at).toISOString(),
    dispensedBy: row.dispensed_by_name,
    thawedAt: new Date(row.thawed_at).toISOString(),
    useBy: usableUntil(product, {
      expiresAt: new Date(row.expires_at),
      thawedAt: new Date(row.thawed_at),
    }).toISOString(),
    returnedAt: row.returned_at ? new Date(row.returned_at).toISOString() : null,
    returnedBy: row.returned_by_name,
    returnReason: row.return_reason,
  }));
}

/** A participant's dispensings (what dosing links to). */
export async function participantDispensings(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<DispensingView[]> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'product.read', { siteId: participant.site_id });
  const { product } = (await currentProtocol(db, studyId)).protocol;
  return dispensingViews(
    db,
    studyId,
    product,
    { participantId },
    await hiddenKitLots(db, studyId, caller.user),
  );
}
