import { recordAudit } from '../audit/audit.service.ts';
import type { LockoutPolicy } from '../auth/reauthentication.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, forbidden, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import type { SupplyDesign } from '../protocol/schema-supply.ts';
import { armsVisible } from '../randomisation/blinding.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import type { ResupplyNeed, ResupplyShipmentRequest } from './resupply.schema.ts';
import { packVials, reauthenticatePacker } from './shipment.service.ts';

/** A usable kit: in stock outside a shipping container, released, not quarantined, unexpired, never thawed, not packed. */
interface UsableKit {
  code: string;
  kit_type: string | null;
  site_id: string | null;
  unit_id: string | null;
  unit_code: string;
}

interface SupplyState {
  supply: SupplyDesign;
  kits: UsableKit[];
  incoming: Map<string, number>;
  units: Array<{ unit_id: string; code: string; site_id: string | null }>;
  siteIds: string[];
}

async function supplyState(db: Db, studyId: string, now: Date): Promise<SupplyState | null> {
  const supply = (await currentProtocol(db, studyId)).protocol.supply;
  if (!supply) return null;
  const packed = db
    .selectFrom('shipment_vial as sv')
    .innerJoin('shipment as s', (join) =>
      join.onRef('s.study_id', '=', 'sv.study_id').onRef('s.shipment_id', '=', 'sv.shipment_id'),
    )
    .select('sv.vial_id')
    .where('sv.study_id', '=', studyId)
    .where('s.status', '=', 'packed');
  const kits = await db
    .selectFrom('vial')
    .innerJoin('product_lot as lot', (join) =>
      join.onRef('lot.study_id', '=', 'vial.study_id').onRef('lot.lot_id', '=', 'vial.lot_id'),
    )
    .innerJoin('storage_unit as unit', (join) =>
      join.onRef('unit.study_id', '=', 'vial.study_id').onRef('unit.unit_id', '=', 'vial.unit_id'),
    )
    .select(['vial.code', 'lot.kit_type', 'vial.site_id', 'vial.unit_id', 'unit.code as unit_code'])
    .where('vial.study_id', '=', studyId)
    .where('vial.state', '=', 'in_stock')
    .where('vial.quarantined_at', 'is', null)
    .where('vial.thawed_at', 'is', null)
    .where('lot.status', '=', 'released')
    .where('lot.kit_type', 'is not', null)
    .where('unit.kind', '!=', 'shipping_container')
    .where('vial.expires_at', '>', now)
    .where('vial.vial_id', 'not in', packed)
    // First to expire, first to ship; the kit number breaks ties (it says nothing of the type).
    .orderBy('vial.expires_at')
    .orderBy('vial.code')
    .execute();
  // Kits already packed for a site or on their way there count as its stock to come.
  const onTheWay = await db
    .selectFrom('shipment_vial as sv')
    .innerJoin('shipment as s', (join) =>
      join.onRef('s.study_id', '=', 'sv.study_id').onRef('s.shipment_id', '=', 'sv.shipment_id'),
    )
    .innerJoin('storage_unit as unit', (join) =>
      join.onRef('unit.study_id', '=', 's.study_id').onRef('unit.unit_id', '=', 's.to_unit_id'),
    )
    .innerJoin('vial', (join) =>
      join.onRef('vial.study_id', '=', 'sv.study_id').onRef('vial.vial_id', '=', 'sv.vial_id'),
    )
    .innerJoin('product_lot as lot', (join) =>
      join.onRef('lot.study_id', '=', 'vial.study_id').onRef('lot.lot_id', '=', 'vial.lot_id'),
    )
    .select(['unit.site_id', 'lot.kit_type', (eb) => eb.fn.countAll<string>().as('count')])
    .where('sv.study_id', '=', studyId)
    .where('s.status', 'in', ['packed', 'shipped'])
    .where('unit.site_id', 'is not', null)
    .groupBy(['unit.site_id', 'lot.kit_type'])
    .execute();
  const units = await db
    .selectFrom('storage_unit')
    .select(['unit_id', 'code', 'site_id'])
    .where('study_id', '=', studyId)
    .where('kind', '!=', 'shipping_container')
    .orderBy('code')
    .execute();
  const sites = await db
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .orderBy('site_id')
    .execute();
  return {
    supply,
    kits,
    incoming: new Map(onTheWay.map((row) => [`${row.site_id}|${row.kit_type}`, Number(row.count)])),
    units,
    siteIds: sites.map((site) => site.site_id),
  };
}

const isLow = (type: { usable: number; incoming: number; threshold: number }) =>
  type.usable + type.incoming < type.threshold;

/** Whether some kit type of the site, counting what is on its way, is below its threshold. */
function siteIsDue(state: SupplyState, siteId: string): boolean {
  return state.supply.kitTypes.some((type) => {
    const rule = type.resupply ?? state.supply.resupply ?? { threshold: 0, quantity: 0 };
    return isLow({
      usable: state.kits.filter((kit) => kit.site_id === siteId && kit.kit_type === type.id).length,
      incoming: state.incoming.get(`${siteId}|${type.id}`) ?? 0,
      threshold: rule.threshold,
    });
  });
}

/**
 * Which of the study's sites are due for resupply now (all of them, or those named), or null outside
 * kit studies: asked after every write that changes a site's usable stock or its need.
 */
export async function sitesDue(
  db: Db,
  studyId: string,
  now: Date,
  siteIds?: readonly string[],
): Promise<Map<string, boolean> | null> {
  const state = await supplyState(db, studyId, now);
  if (!state) return null;
  const known = siteIds ? state.siteIds.filter((siteId) => siteIds.includes(siteId)) : state.siteIds;
  return new Map(known.map((siteId) => [siteId, siteIsDue(state, siteId)]));
}

/**
 * A site's resupply: when its usable stock plus what is on its way, of any kit type, is below that
 * type's threshold, every kit type's quantity is sent (never only the low type, which would hint at
 * the arms of its participants), from the one depot unit that holds them all, first to expire first.
 * Null when the site needs nothing.
 */
function siteNeed(state: SupplyState, siteId: string, toUnitId?: string): ResupplyNeed | null {
  const kitTypes = state.supply.kitTypes.map((type) => {
    const rule = type.resupply ?? state.supply.resupply ?? { threshold: 0, quantity: 0 };
    return {
      kitType: type.id,
      usable: state.kits.filter((kit) => kit.site_id === siteId && kit.kit_type === type.id).length,
      incoming: state.incoming.get(`${siteId}|${type.id}`) ?? 0,
      threshold: rule.threshold,
      send: rule.quantity,
    };
  });
  if (!kitTypes.some(isLow)) return null;
  const depotUnits = state.units.filter((unit) => unit.site_id === null);
  const pick = (unitId: string) =>
    kitTypes.map((type) =>
      state.kits
        .filter((kit) => kit.unit_id === unitId && kit.kit_type === type.kitType)
        .slice(0, type.send)
        .map((kit) => kit.code),
    );
  const picks = depotUnits.map((unit) => ({ unit, numbers: pick(unit.unit_id) }));
  const full = picks.find((entry) =>
    entry.numbers.every((codes, index) => codes.length === kitTypes[index]?.send),
  );
  const best = full ?? picks[0];
  const to = toUnitId
    ? state.units.find((unit) => unit.unit_id === toUnitId && unit.site_id === siteId)
    : state.units.find((unit) => unit.site_id === siteId);
  const problem = !to ? 'no_site_unit' : !full ? 'depot_short' : null;
  return {
    siteId,
    kitTypes: kitTypes.map((type, index) => ({ ...type, kitNumbers: best?.numbers[index] ?? [] })),
    proposal:
      full && to
        ? {
            from: { unitId: full.unit.unit_id, code: full.unit.code },
            to: { unitId: to.unit_id, code: to.code },
            kitNumbers: full.numbers.flat().sort(),
          }
        : null,
    problem,
  };
}

const problemText = {
  no_site_unit: (siteId: string) =>
    `Site ${siteId} has no storage unit to receive kits: add one on the inventory page.`,
  depot_short: () =>
    'No depot unit holds every kit type’s quantity: register or release kit lots at the depot, then resupply.',
};

async function requireArms(db: Db, studyId: string, caller: Caller): Promise<void> {
  if (!(await armsVisible(db, studyId, caller.user))) {
    throw forbidden('Resupply shows stock by kit type: only unblinded roles may read or send it.');
  }
}

/**
 * The sites to resupply in a kit study, each with the shipment proposed. Only roles that may see arms
 * read it (it names kit types). Empty outside kit studies.
 */
export async function resupplyNeeds(
  db: Db,
  studyId: string,
  caller: Caller,
  now = new Date(),
): Promise<ResupplyNeed[]> {
  authorize(caller.user, 'study.read');
  await requireArms(db, studyId, caller);
  const state = await supplyState(db, studyId, now);
  if (!state) return [];
  return state.siteIds.flatMap((siteId) => siteNeed(state, siteId) ?? []);
}

/**
 * Packs the proposed resupply shipment for a site (signed, as any packing): the kit numbers are chosen
 * again inside the transaction, so two pharmacists cannot pack the same kits. The audit trail gets the
 * packing (kit numbers, no types) and a `shipment.resupply` event naming the site and the kit count.
 */
export async function sendResupply(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  input: ResupplyShipmentRequest,
  now = new Date(),
): Promise<string> {
  authorize(caller.user, 'product.ship');
  const initial = await database.read(async (db) => {
    await requireArms(db, studyId, caller);
    return plannedShipment(db, studyId, input, now);
  });
  await reauthenticatePacker(database, studyId, caller, lockout, {
    fromUnitId: initial.from.unitId,
    password: input.password,
  });
  return database.transaction(async (trx) => {
    const plan = await plannedShipment(trx, studyId, input, now);
    const shipmentId = await packVials(
      trx,
      studyId,
      caller,
      {
        fromUnitId: plan.from.unitId,
        toUnitId: plan.to.unitId,
        containerUnitId: null,
        vialCodes: plan.kitNumbers,
      },
      now,
    );
    await recordAudit(trx, studyId, caller.actor, {
      action: 'shipment.resupply',
      entityType: 'shipment',
      entityId: shipmentId,
      newValue: {
        siteId: input.siteId,
        from: plan.from.code,
        to: plan.to.code,
        kitCount: plan.kitNumbers.length,
      },
    });
    return shipmentId;
  });
}

async function plannedShipment(db: Db, studyId: string, input: ResupplyShipmentRequest, now: Date) {
  const state = await supplyState(db, studyId, now);
  if (!state) throw conflict('The protocol has no kit types: resupply by kit needs a supply section.');
  if (!state.siteIds.includes(input.siteId)) throw notFound(`Site ${input.siteId}`);
  if (
    input.toUnitId &&
    !state.units.some((unit) => unit.unit_id === input.toUnitId && unit.site_id === input.siteId)
  ) {
    throw validationFailed([
      {
        field: 'toUnitId',
        message: `Choose a storage unit of site ${input.siteId} (not a shipping container).`,
      },
    ]);
  }
  const need = siteNeed(state, input.siteId, input.toUnitId);
  if (!need) {
    throw conflict(
      `Site ${input.siteId} has every kit type at or above its threshold, counting what is on its way: no resupply is due.`,
    );
  }
  if (!need.proposal) throw conflict(problemText[need.problem ?? 'depot_short'](input.siteId));
  return need.proposal;
}
