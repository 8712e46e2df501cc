import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import type { Database, Tx } from '../db/connection.ts';
import type { ShipmentTable } from '../db/schema-product.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { refreezeForbidden } from './expiry.ts';
import {
  addVialEvents,
  findUnit,
  productOf,
  relocateVial,
  type UnitRow,
  type VialRow,
} from './product.queries.ts';
import { reviewResupply } from './resupply-notifications.ts';
import { notifyShipmentSent } from './shipment-notifications.ts';

type ShipmentRow = Selectable<ShipmentTable>;
const scope = (unit: UnitRow) => (unit.site_id ? { siteId: unit.site_id } : undefined);

export const custodyMeanings = {
  pack: 'I packed and sealed the vials listed in this shipment.',
  ship: 'I handed this sealed shipment to the courier named.',
  receive: 'I received this shipment from the courier and checked its condition as recorded.',
} as const;

async function signStep(
  trx: Tx,
  studyId: string,
  caller: Caller,
  shipmentId: string,
  step: keyof typeof custodyMeanings,
  parties: { from: string; to: string },
  at: Date,
): Promise<void> {
  await trx
    .insertInto('custody_signature')
    .values({
      study_id: studyId,
      signature_id: randomUUID(),
      shipment_id: shipmentId,
      step,
      from_party: parties.from,
      to_party: parties.to,
      signer_id: caller.user.userId,
      signer_name: caller.user.name,
      meaning: custodyMeanings[step],
      signed_at: at,
    })
    .execute();
}

async function lockShipment(
  trx: Tx,
  studyId: string,
  shipmentId: string,
  version: number,
): Promise<ShipmentRow> {
  const row = await trx
    .selectFrom('shipment')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('shipment_id', '=', shipmentId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`Shipment ${shipmentId}`);
  if (row.version !== version)
    throw conflict(`The shipment was changed by someone else (version ${row.version}); reload it.`);
  return row;
}

async function shipmentVials(trx: Tx, studyId: string, shipmentId: string): Promise<VialRow[]> {
  return trx
    .selectFrom('vial')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('vial_id', 'in', (eb) =>
      eb
        .selectFrom('shipment_vial')
        .select('vial_id')
        .where('study_id', '=', studyId)
        .where('shipment_id', '=', shipmentId),
    )
    .forUpdate()
    .execute();
}

export interface PackInput {
  fromUnitId: string;
  toUnitId: string;
  containerUnitId: string | null;
  vialCodes: string[];
  password: string;
}

/** Packs vials of one unit for another (signed): each must be in that unit, unquarantined, of a released lot. */
export async function packShipment(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  input: PackInput,
  now = new Date(),
): Promise<string> {
  authorize(caller.user, 'product.ship');
  await reauthenticatePacker(database, studyId, caller, lockout, input);
  return database.transaction((trx) => packVials(trx, studyId, caller, input, now));
}

/** The packer's signature: the shipment has no id before it is packed, so a failure names the unit it leaves from. */
export async function reauthenticatePacker(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  input: { fromUnitId: string; password: string },
): Promise<void> {
  const target = { entityType: 'storage_unit', entityId: input.fromUnitId, meaning: custodyMeanings.pack };
  await reauthenticate(database, studyId, caller, input.password, target, lockout);
}

/** Packing within the caller's transaction, after the packer re-entered the password. */
export async function packVials(
  trx: Tx,
  studyId: string,
  caller: Caller,
  input: Omit<PackInput, 'password'>,
  now: Date,
): Promise<string> {
  const from = await findUnit(trx, studyId, input.fromUnitId);
  const to = await findUnit(trx, studyId, input.toUnitId);
  authorize(caller.user, 'product.ship', scope(from));
  if (from.unit_id === to.unit_id)
    throw validationFailed([{ field: 'toUnitId', message: 'Ship to another unit.' }]);
  if (input.containerUnitId) {
    const container = await findUnit(trx, studyId, input.containerUnitId);
    if (container.kind !== 'shipping_container') {
      throw validationFailed([
        { field: 'containerUnitId', message: `${container.code} is not a shipping container.` },
      ]);
    }
  }
  const codes = [...new Set(input.vialCodes)];
  const vials = await trx
    .selectFrom('vial')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('code', 'in', codes)
    .forUpdate()
    .execute();
  const lots = await trx
    .selectFrom('product_lot')
    .select(['lot_id', 'status'])
    .where('study_id', '=', studyId)
    .execute();
  const product = await productOf(trx, studyId);
  const problems = codes.flatMap((code) => {
    const vial = vials.find((entry) => entry.code === code);
    const problem = !vial
      ? 'no vial has this code'
      : vial.unit_id !== from.unit_id || vial.state !== 'in_stock'
        ? `it is not in stock in ${from.code}`
        : vial.quarantined_at
          ? 'it is quarantined'
          : vial.expires_at.getTime() <= now.getTime()
            ? 'it has expired'
            : lots.find((lot) => lot.lot_id === vial.lot_id)?.status !== 'released' && to.site_id !== null
              ? 'its lot is not released'
              : refreezeForbidden(product, vial.thawed_at !== null, to.nominal_celsius)
                ? 'it has been thawed'
                : null;
    return problem ? [{ field: `vialCodes.${code}`, message: `${code}: ${problem}.` }] : [];
  });
  if (problems.length > 0) throw validationFailed(problems, 'Some vials cannot be shipped.');
  const shipmentId = randomUUID();
  await trx
    .insertInto('shipment')
    .values({
      study_id: studyId,
      shipment_id: shipmentId,
      from_unit_id: from.unit_id,
      to_unit_id: to.unit_id,
      container_unit_id: input.containerUnitId,
      status: 'packed',
      courier: null,
      packed_at: now,
      shipped_at: null,
      received_at: null,
      condition: null,
      condition_note: null,
    })
    .execute();
  await trx
    .insertInto('shipment_vial')
    .values(vials.map((vial) => ({ study_id: studyId, shipment_id: shipmentId, vial_id: vial.vial_id })))
    .execute();
  await signStep(trx, studyId, caller, shipmentId, 'pack', { from: from.code, to: caller.user.name }, now);
  await recordAudit(trx, studyId, caller.actor, {
    action: 'shipment.pack',
    entityType: 'shipment',
    entityId: shipmentId,
    newValue: { from: from.code, to: to.code, vials: codes, signer: caller.user.name },
  });
  // Packing lowers the sender's usable stock and raises what the destination has coming.
  await reviewResupply(trx, studyId, [from.site_id, to.site_id], now, caller.actor);
  return shipmentId;
}

/** A signed step of a packed shipment: which status it starts from and whose unit may sign it. */
interface ShipmentStep {
  step: 'ship' | 'receive';
  from: ShipmentRow['status'];
  refusal: (status: string) => string;
  /** The unit at which the signer must work: the one the shipment leaves (ship) or reaches (receive). */
  side: 'from_unit_id' | 'to_unit_id';
}

const shipStep: ShipmentStep = {
  step: 'ship',
  from: 'packed',
  refusal: (status) => `The shipment is already ${status}.`,
  side: 'from_unit_id',
};

const receiveStep: ShipmentStep = {
  step: 'receive',
  from: 'shipped',
  refusal: (status) => `The shipment is ${status}, not on its way.`,
  side: 'to_unit_id',
};

/** Who signs a step, and where: the caller re-enters the password under the study's lockout policy. */
interface StepSigner {
  database: Database;
  studyId: string;
  caller: Caller;
  lockout: LockoutPolicy;
}

/** What a step changed, for the shipment row, the custody signature and the audit event. */
interface StepOutcome {
  columns: Updateable<ShipmentTable>;
  parties: { from: string; to: string };
  newValue: Record<string, unknown>;
}

/**
 * The frame of a signed shipment step: re-authentication, then one transaction that locks the shipment
 * at the caller's version, checks the caller's site and the status, lets `act` move the vials, and
 * writes the shipment's new status with its custody signature and audit event.
 */
async function signedShipmentStep(
  { database, studyId, caller, lockout }: StepSigner,
  shipmentId: string,
  input: { password: string; version: number },
  rule: ShipmentStep,
  now: Date,
  act: (trx: Tx, shipment: ShipmentRow, unit: UnitRow) => Promise<StepOutcome>,
): Promise<void> {
  authorize(caller.user, 'product.ship');
  const target = { entityType: 'shipment', entityId: shipmentId, meaning: custodyMeanings[rule.step] };
  await reauthenticate(database, studyId, caller, input.password, target, lockout);
  await database.transaction(async (trx) => {
    const shipment = await lockShipment(trx, studyId, shipmentId, input.version);
    const unit = await findUnit(trx, studyId, shipment[rule.side]);
    authorize(caller.user, 'product.ship', scope(unit));
    if (shipment.status !== rule.from) throw conflict(rule.refusal(shipment.status));
    const outcome = await act(trx, shipment, unit);
    await trx
      .updateTable('shipment')
      .set({ ...outcome.columns, version: shipment.version + 1 })
      .where('study_id', '=', studyId)
      .where('shipment_id', '=', shipmentId)
      .execute();
    await signStep(trx, studyId, caller, shipmentId, rule.step, outcome.parties, now);
    await recordAudit(trx, studyId, caller.actor, {
      action: `shipment.${rule.step}`,
      entityType: 'shipment',
      entityId: shipmentId,
      newValue: outcome.newValue,
    });
    // Receiving raises the destination's stock (or quarantines it, on a bad condition).
    await reviewResupply(trx, studyId, 'all', now, caller.actor);
  });
}

/** Hands the shipment to the courier (signed): the vials leave the site's stock and are in transit. */
export async function shipShipment(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  shipmentId: string,
  input: { courier: string; password: string; version: number },
  now = new Date(),
): Promise<void> {
  const signer = { database, studyId, caller, lockout };
  await signedShipmentStep(signer, shipmentId, input, shipStep, now, async (trx, shipment, from) => {
    const vials = await shipmentVials(trx, studyId, shipmentId);
    const moved = vials.filter(
      (vial) => vial.unit_id !== from.unit_id || vial.state !== 'in_stock' || vial.quarantined_at,
    );
    if (moved.length > 0) {
      throw conflict(
        `Since packing, ${moved.map((vial) => vial.code).join(', ')} left stock or were quarantined: repack.`,
      );
    }
    const container = shipment.container_unit_id
      ? await findUnit(trx, studyId, shipment.container_unit_id)
      : null;
    const product = await productOf(trx, studyId);
    for (const vial of vials)
      await relocateVial(trx, studyId, product, vial, { unit: container, state: 'in_transit', at: now });
    await addVialEvents(trx, studyId, vials, {
      kind: 'shipped_out',
      at: now,
      siteId: from.site_id,
      unitId: from.unit_id,
      shipmentId,
      actorLabel: caller.actor.label,
    });
    const to = await findUnit(trx, studyId, shipment.to_unit_id);
    await notifyShipmentSent(
      trx,
      studyId,
      { shipmentId, courier: input.courier, vialCount: vials.length, from, to },
      caller.user.userId,
    );
    return {
      columns: { status: 'shipped', courier: input.courier, shipped_at: now },
      parties: { from: caller.user.name, to: input.courier },
      newValue: { courier: input.courier, vials: vials.length, signer: caller.user.name },
    };
  });
}

/**
 * Receives the shipment at its destination (signed) with the condition check: the vials enter the
 * destination unit; a shipment found not acceptable has every vial quarantined with the note.
 * Excursions in the container's logger data (imported for the container unit) quarantine on their own.
 */
export async function receiveShipment(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  shipmentId: string,
  input: { condition: 'acceptable' | 'not_acceptable'; note?: string; password: string; version: number },
  now = new Date(),
): Promise<void> {
  const signer = { database, studyId, caller, lockout };
  await signedShipmentStep(signer, shipmentId, input, receiveStep, now, async (trx, shipment, to) => {
    const vials = (await shipmentVials(trx, studyId, shipmentId)).filter(
      (vial) => vial.state === 'in_transit',
    );
    const product = await productOf(trx, studyId);
    for (const vial of vials)
      await relocateVial(trx, studyId, product, vial, { unit: to, state: 'in_stock', at: now });
    const event = {
      at: now,
      siteId: to.site_id,
      unitId: to.unit_id,
      shipmentId,
      actorLabel: caller.actor.label,
    };
    await addVialEvents(trx, studyId, vials, { kind: 'received', ...event });
    if (input.condition === 'not_acceptable') {
      const reason = `Shipment received in unacceptable condition: ${input.note ?? ''}`;
      await trx
        .updateTable('vial')
        .set({ quarantined_at: now, quarantine_reason: reason })
        .where('study_id', '=', studyId)
        .where(
          'vial_id',
          'in',
          vials.length ? vials.map((vial) => vial.vial_id) : ['00000000-0000-0000-0000-000000000000'],
        )
        .where('quarantined_at', 'is', null)
        .execute();
      await addVialEvents(trx, studyId, vials, { kind: 'quarantined', ...event, reason });
    }
    return {
      columns: {
        status: 'received',
        received_at: now,
        condition: input.condition,
        condition_note: input.note ?? null,
      },
      parties: { from: shipment.courier ?? 'courier', to: caller.user.name },
      newValue: {
        condition: input.condition,
        note: input.note ?? null,
        vials: vials.length,
        signer: caller.user.name,
      },
    };
  });
}
