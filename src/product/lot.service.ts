import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { ProductLotTable } from '../db/schema-product.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { armsVisible } from '../randomisation/blinding.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { dateInZone, siteTimeZone } from '../study/site-time.ts';
import { shelfExpiry, shelfUsedBy } from './expiry.ts';
import { kitNumbersForLot } from './lot-kits.ts';
import { addVialEvents, findUnit, type Product, productOf } from './product.queries.ts';
import type { LotRequest, LotView } from './product.schema.ts';
import { judgeRelease, type ReleaseInput, unknownTests } from './release.ts';
import { reviewResupply } from './resupply-notifications.ts';

type LotRow = Selectable<ProductLotTable>;

export const releaseMeaning =
  'I certify that this lot was manufactured and tested as specified and that every release test meets the specification: I release it for use in the trial.';
export const rejectMeaning = 'I reject this lot: it shall not be used in the trial.';

/** A vial's scannable code: the lot number and a four-digit sequence, e.g. EXO-2026-001-0007. */
export const vialCode = (lotNumber: string, sequence: number) =>
  `${lotNumber}-${String(sequence).padStart(4, '0')}`;

const inputsOf = (row: LotRow): ReleaseInput[] =>
  (row.release_results ?? []).map((result) => ({ testId: result.testId, value: result.value }));

/** A lot as shown; its kit type only when `showKitType` (the reader may see arms). */
export function lotView(product: Product, row: LotRow, showKitType = false): LotView {
  const judgements = judgeRelease(product.release, inputsOf(row), row.concentration_per_ml);
  return {
    lotId: row.lot_id,
    lotNumber: row.lot_number,
    manufacturer: row.manufacturer,
    manufacturedOn: row.manufactured_on,
    concentrationPerMl: row.concentration_per_ml,
    volumeMl: row.volume_ml,
    vialCount: row.vial_count,
    status: row.status,
    judgements: judgements.map((judgement) => ({
      ...judgement,
      name: product.release.find((test) => test.id === judgement.testId)?.name ?? { en: '', zh: '' },
    })),
    releasable: row.status === 'pending' && judgements.every((judgement) => judgement.pass),
    releasedAt: row.released_at?.toISOString() ?? null,
    releasedBy: row.released_by_name,
    releaseMeaning: row.release_meaning,
    rejectedReason: row.rejected_reason,
    version: row.version,
    ...(showKitType ? { kitType: row.kit_type } : {}),
  };
}

async function lockLot(trx: Tx, studyId: string, lotId: string, version?: number): Promise<LotRow> {
  const row = await trx
    .selectFrom('product_lot')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('lot_id', '=', lotId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`Lot ${lotId}`);
  if (version !== undefined && row.version !== version) {
    throw conflict(`Lot ${row.lot_number} was changed by someone else (version ${row.version}); reload it.`);
  }
  return row;
}

/**
 * Registers a lot and creates its vials in a storage unit, each with a unique code. The lot starts
 * pending: nothing of it can be shipped or dispensed until it is released.
 */
export async function registerLot(
  database: Database,
  studyId: string,
  caller: Caller,
  input: LotRequest,
  clock = new Date(),
): Promise<string> {
  authorize(caller.user, 'product.manage');
  const now = input.receivedAt ? new Date(input.receivedAt) : clock;
  if (now.getTime() > clock.getTime() + 5 * 60_000) {
    throw validationFailed([
      { field: 'receivedAt', message: 'The vials cannot have arrived in the future.' },
    ]);
  }
  return database.transaction(async (trx) => {
    const unit = await findUnit(trx, studyId, input.unitId);
    authorize(caller.user, 'product.store', unit.site_id ? { siteId: unit.site_id } : undefined);
    const product = await productOf(trx, studyId);
    const { protocol } = await currentProtocol(trx, studyId);
    // "Today" where the vials arrive: the unit's site zone, or the study's for a central depot.
    const zone = unit.site_id ? await siteTimeZone(trx, studyId, unit.site_id) : protocol.study.timeZone;
    const today = dateInZone(now, zone);
    if (input.manufacturedOn > today) {
      throw validationFailed([
        {
          field: 'manufacturedOn',
          message: `The manufacture date cannot be in the future (today in ${zone} is ${today}).`,
        },
      ]);
    }
    const taken = await trx
      .selectFrom('product_lot')
      .select('lot_id')
      .where('study_id', '=', studyId)
      .where('lot_number', '=', input.lotNumber)
      .executeTakeFirst();
    if (taken) throw conflict(`Lot number ${input.lotNumber} is already registered.`);
    const kitNumbers = await kitNumbersForLot(trx, studyId, caller, protocol, input);
    const codeOf = (sequence: number) => kitNumbers?.[sequence - 1] ?? vialCode(input.lotNumber, sequence);
    const lotId = randomUUID();
    await trx
      .insertInto('product_lot')
      .values({
        study_id: studyId,
        lot_id: lotId,
        lot_number: input.lotNumber,
        manufacturer: input.manufacturer,
        manufactured_on: input.manufacturedOn,
        concentration_per_ml: input.concentrationPerMl,
        volume_ml: input.volumeMl,
        vial_count: input.vialCount,
        status: 'pending',
        release_results: null,
        results_entered_at: null,
        results_entered_by: null,
        released_at: null,
        released_by: null,
        released_by_name: null,
        release_meaning: null,
        rejected_reason: null,
        kit_type: kitNumbers ? (input.kitType ?? null) : null,
        created_at: now,
        created_by: caller.user.userId,
        updated_at: now,
      })
      .execute();
    // Until registration the lot was kept at the product's storage temperature by the manufacturer.
    const sinceManufacture = now.getTime() - Date.parse(`${input.manufacturedOn}T00:00:00Z`);
    const shelfUsed = shelfUsedBy(product, product.storage.temperatureCelsius, sinceManufacture);
    const expiresAt = shelfExpiry(product, shelfUsed, now, unit.nominal_celsius);
    const vials = Array.from({ length: input.vialCount }, (_, index) => ({
      vial_id: randomUUID(),
      lot_id: lotId,
      sequence: index + 1,
    }));
    for (let start = 0; start < vials.length; start += 500) {
      const batch = vials.slice(start, start + 500);
      await trx
        .insertInto('vial')
        .values(
          batch.map((vial) => ({
            study_id: studyId,
            vial_id: vial.vial_id,
            lot_id: lotId,
            code: codeOf(vial.sequence),
            sequence: vial.sequence,
            state: 'in_stock' as const,
            site_id: unit.site_id,
            unit_id: unit.unit_id,
            shelf_used: shelfUsed,
            located_at: now,
            expires_at: expiresAt,
            thawed_at: null,
            quarantined_at: null,
            quarantine_reason: null,
            quarantine_excursion_id: null,
            updated_at: now,
          })),
        )
        .execute();
      await trx
        .insertInto('vial_location')
        .values(
          batch.map((vial) => ({
            study_id: studyId,
            vial_id: vial.vial_id,
            unit_id: unit.unit_id,
            entered_at: now,
            left_at: null,
          })),
        )
        .execute();
    }
    await addVialEvents(trx, studyId, vials, {
      kind: 'received',
      at: now,
      siteId: unit.site_id,
      unitId: unit.unit_id,
      actorLabel: caller.actor.label,
    });
    // The trail is read by blinded roles, so it never names a lot's kit type: the kit numbers it lists
    // say it through the sealed kit list (audited by its hash), which only unblinded roles read.
    const { kitType: _blind, ...audited } = input;
    await recordAudit(trx, studyId, caller.actor, {
      action: 'lot.register',
      entityType: 'product_lot',
      entityId: lotId,
      newValue: {
        ...audited,
        unitCode: unit.code,
        vialCodes: kitNumbers ?? `${codeOf(1)} … ${codeOf(input.vialCount)}`,
        expiresAt: expiresAt.toISOString(),
      },
    });
    return lotId;
  });
}

/** Records (or corrects) the lot's release test results; they are judged against the protocol. */
export async function enterReleaseResults(
  database: Database,
  studyId: string,
  caller: Caller,
  lotId: string,
  input: { results: ReleaseInput[]; version: number },
): Promise<void> {
  authorize(caller.user, 'product.manage');
  await database.transaction(async (trx) => {
    const product = await productOf(trx, studyId);
    const unknown = unknownTests(product.release, input.results);
    if (unknown.length > 0) {
      throw validationFailed(
        unknown.map((testId) => ({
          field: `results.${testId}`,
          message: `The protocol has no release test "${testId}"; use one of ${product.release.map((t) => t.id).join(', ')}.`,
        })),
      );
    }
    const lot = await lockLot(trx, studyId, lotId, input.version);
    if (lot.status !== 'pending')
      throw conflict(`Lot ${lot.lot_number} is ${lot.status}; its results are final.`);
    const merged = [
      ...inputsOf(lot).filter((old) => !input.results.some((r) => r.testId === old.testId)),
      ...input.results,
    ];
    const judged = judgeRelease(product.release, merged, lot.concentration_per_ml).filter(
      (j) => j.value !== null,
    );
    const now = new Date();
    await trx
      .updateTable('product_lot')
      .set({
        release_results: JSON.stringify(
          judged.map((j) => ({ testId: j.testId, value: j.value ?? '', pass: j.pass, message: j.message })),
        ),
        results_entered_at: now,
        results_entered_by: caller.user.userId,
        updated_at: now,
        version: lot.version + 1,
      })
      .where('study_id', '=', studyId)
      .where('lot_id', '=', lotId)
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'lot.release_results',
      entityType: 'product_lot',
      entityId: lotId,
      oldValue: lot.release_results,
      newValue: input.results,
    });
  });
}

/** Who signs a lot decision: the caller re-enters the password under the study's lockout policy. */
interface LotSigner {
  database: Database;
  studyId: string;
  caller: Caller;
  lockout: LockoutPolicy;
}

/** A decision on a pending lot: released or rejected, with the columns it sets and the audit reason. */
interface LotDecision {
  action: 'lot.release' | 'lot.reject';
  status: 'released' | 'rejected';
  columns: Updateable<ProductLotTable>;
  reason?: string;
}

/**
 * The frame of a signed lot decision: re-authentication, then one transaction that locks the lot at
 * the caller's version, refuses a lot no longer pending, lets `decide` check it and name the
 * decision, and writes the new status with its audit event (field `status`, old value `pending`).
 */
async function decidePendingLot(
  { database, studyId, caller, lockout }: LotSigner,
  lotId: string,
  input: { password: string; version: number },
  meaning: string,
  decide: (trx: Tx, lot: LotRow) => Promise<LotDecision>,
  now = new Date(),
): Promise<void> {
  authorize(caller.user, 'product.release');
  const target = { entityType: 'product_lot', entityId: lotId, meaning };
  await reauthenticate(database, studyId, caller, input.password, target, lockout);
  await database.transaction(async (trx) => {
    const lot = await lockLot(trx, studyId, lotId, input.version);
    if (lot.status !== 'pending') throw conflict(`Lot ${lot.lot_number} is already ${lot.status}.`);
    const decision = await decide(trx, lot);
    await trx
      .updateTable('product_lot')
      .set({ ...decision.columns, status: decision.status, version: lot.version + 1 })
      .where('study_id', '=', studyId)
      .where('lot_id', '=', lotId)
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: decision.action,
      entityType: 'product_lot',
      entityId: lotId,
      field: 'status',
      oldValue: 'pending',
      newValue: { status: decision.status, signer: caller.user.name, meaning },
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    });
    // A released lot's kits are stock: a site holding them may be back at its thresholds.
    if (decision.status === 'released') await reviewResupply(trx, studyId, 'all', now, caller.actor);
  });
}

/**
 * The release e-signature: the signer re-enters the password; a lot with any test failing or missing
 * is refused with the list of what fails.
 */
export async function releaseLot(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  lotId: string,
  input: { password: string; version: number },
  now = new Date(),
): Promise<void> {
  const signer = { database, studyId, caller, lockout };
  await decidePendingLot(
    signer,
    lotId,
    input,
    releaseMeaning,
    async (trx, lot) => {
      const product = await productOf(trx, studyId);
      const failing = judgeRelease(product.release, inputsOf(lot), lot.concentration_per_ml).filter(
        (j) => !j.pass,
      );
      if (failing.length > 0) {
        throw conflict(`Lot ${lot.lot_number} does not meet the specification and cannot be released.`, {
          reason: 'specification_not_met',
          failing: failing.map((j) => ({ testId: j.testId, message: j.message })),
        });
      }
      return {
        action: 'lot.release',
        status: 'released',
        columns: {
          released_at: now,
          released_by: caller.user.userId,
          released_by_name: caller.user.name,
          release_meaning: releaseMeaning,
          updated_at: now,
        },
      };
    },
    now,
  );
}

/** Rejects a pending lot with a reason (signed): its vials can never be shipped or dispensed. */
export async function rejectLot(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  lotId: string,
  input: { password: string; reason: string; version: number },
): Promise<void> {
  const signer = { database, studyId, caller, lockout };
  await decidePendingLot(signer, lotId, input, rejectMeaning, async () => ({
    action: 'lot.reject',
    status: 'rejected',
    columns: { rejected_reason: input.reason, updated_at: new Date() },
    reason: input.reason,
  }));
}

export async function getLot(db: Db, studyId: string, caller: Caller, lotId: string): Promise<LotView> {
  authorize(caller.user, 'product.read');
  const row = await db
    .selectFrom('product_lot')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('lot_id', '=', lotId)
    .executeTakeFirst();
  if (!row) throw notFound(`Lot ${lotId}`);
  return lotView(await productOf(db, studyId), row, await armsVisible(db, studyId, caller.user));
}

export async function listLots(db: Db, studyId: string, caller: Caller): Promise<LotView[]> {
  authorize(caller.user, 'product.read');
  const product = await productOf(db, studyId);
  const rows = await db
    .selectFrom('product_lot')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('created_at', 'desc')
    .execute();
  const showKitType = await armsVisible(db, studyId, caller.user);
  return rows.map((row) => lotView(product, row, showKitType));
}
