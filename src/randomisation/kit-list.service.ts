import type { Selectable } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { KitListTable } from '../db/schema-randomisation.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, forbidden } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import type { Protocol } from '../protocol/schema.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { armsVisible } from './blinding.ts';
import { type KitListQuery, type KitListStatus, type KitListView, MAX_KITS } from './kit-list.schema.ts';
import { generateKitList, type KitDesign, type KitEntry, kitListHash } from './kit-list.ts';
import { iso, personId, type SealableList, sealStoredList, storeGeneratedList } from './sealed-list.ts';

/** A kit of the stored list, with the block it was sealed in. */
type StoredKit = KitEntry & { block: number };

type KitListRow = Selectable<KitListTable>;

const ENTRY_INSERT_CHUNK = 5_000;

/** Each kit type's share: the sum of its arms' shares in the allocation ratio (1 each without one). */
export function kitDesign(protocol: Protocol): KitDesign | null {
  const supply = protocol.supply;
  if (!supply) return null;
  const ratio: Record<string, number> = protocol.randomisation?.ratio ?? {};
  const shares = Object.fromEntries(
    supply.kitTypes.map((type) => [type.id, type.arms.reduce((sum, arm) => sum + (ratio[arm] ?? 1), 0)]),
  );
  return { shares };
}

/** The current protocol's kit design and version; refused when the protocol has no kit types. */
async function currentKitDesign(trx: Tx, studyId: string): Promise<{ design: KitDesign; versionNo: number }> {
  const { protocol, versionNo } = await currentProtocol(trx, studyId);
  const design = kitDesign(protocol);
  if (!design) throw conflict('The protocol has no kit types: add a supply section to use a kit list.');
  return { design, versionNo };
}

export const findKitList = (db: Db, studyId: string): Promise<KitListRow | undefined> =>
  db.selectFrom('kit_list').selectAll().where('study_id', '=', studyId).executeTakeFirst();

const lockedKitList = (trx: Tx, studyId: string): Promise<KitListRow | undefined> =>
  trx.selectFrom('kit_list').selectAll().where('study_id', '=', studyId).forUpdate().executeTakeFirst();

/** The kit list's storage, for the steps it shares with the randomisation list (sealed-list.ts). */
const storedKitList = (studyId: string, kitCount = 0): SealableList<KitListRow, KitEntry> => ({
  noun: 'kit list',
  entityType: 'kit_list',
  actions: { generate: 'kits.generate', seal: 'kits.seal' },
  lock: (trx) => lockedKitList(trx, studyId),
  entries: (trx) => kitEntries(trx, studyId),
  hash: kitListHash,
  saveRow: async (trx, columns, existing) => {
    const row = { ...columns, kit_count: kitCount };
    if (existing) {
      await trx.updateTable('kit_list').set(row).where('study_id', '=', studyId).execute();
    } else {
      await trx
        .insertInto('kit_list')
        .values({ study_id: studyId, ...row })
        .execute();
    }
  },
  sealRow: async (trx, columns) => {
    await trx.updateTable('kit_list').set(columns).where('study_id', '=', studyId).execute();
  },
  deleteEntries: async (trx) => {
    await trx.deleteFrom('kit_list_entry').where('study_id', '=', studyId).execute();
  },
  insertEntries: (trx, entries) => insertKits(trx, studyId, entries),
  size: (row) => ({ kitCount: row.kit_count }),
});

/**
 * Generates the kit list from the protocol's kit types with the statistician's seed; replaces a list
 * not yet sealed and refuses once sealed (sealed-list.ts).
 */
export async function generateKits(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { seed: number; kitCount: number },
  clock = new Date(),
): Promise<KitListStatus> {
  authorize(caller.user, 'randomisation.manage');
  await database.transaction(async (trx) => {
    const { design, versionNo } = await currentKitDesign(trx, studyId);
    const entries = generateKitList(design, input.kitCount, input.seed);
    await storeGeneratedList(
      trx,
      studyId,
      caller,
      storedKitList(studyId, entries.length),
      {
        seed: input.seed,
        design,
        entries,
        protocolVersion: versionNo,
        audited: { kitCount: entries.length },
      },
      clock,
    );
  });
  return database.read((db) => kitListStatus(db, studyId, caller));
}

/** Seals the kit list the statistician checked (named by its hash): lots may then take its kit numbers. */
export async function sealKits(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { listHash: string },
  clock = new Date(),
): Promise<KitListStatus> {
  authorize(caller.user, 'randomisation.manage');
  await database.transaction((trx) =>
    sealStoredList(trx, studyId, caller, storedKitList(studyId), input.listHash, clock),
  );
  return database.read((db) => kitListStatus(db, studyId, caller));
}

/** Whether the kit list is ready, for every reader of the study: no seed, no kit type. */
export async function kitListStatus(db: Db, studyId: string, caller: Caller): Promise<KitListStatus> {
  authorize(caller.user, 'study.read');
  const { protocol } = await currentProtocol(db, studyId);
  const list = await findKitList(db, studyId);
  const blocks = await kitBlocks(db, studyId);
  return {
    status: list ? list.status : protocol.supply ? 'missing' : 'none',
    listHash: list?.list_hash ?? null,
    kitCount: list?.kit_count ?? 0,
    generated: list ? { name: list.generated_by_name, at: iso(list.generated_at) } : null,
    sealed: list?.sealed_at ? { name: list.sealed_by_name ?? '', at: iso(list.sealed_at) } : null,
    blocks: blocks.map((block) => ({
      block: block.block,
      kitCount: block.kit_count,
      listHash: block.list_hash,
      sealed: { name: block.sealed_by_name, at: iso(block.sealed_at) },
    })),
  };
}

const kitBlocks = (db: Db, studyId: string) =>
  db.selectFrom('kit_list_block').selectAll().where('study_id', '=', studyId).orderBy('block').execute();

/** Whether every block's kits still match its hash: block 0 the list's, each later block its own. */
async function hashesMatch(db: Db, studyId: string, list: KitListRow, kits: StoredKit[]): Promise<boolean> {
  const ofBlock = (block: number) => kits.filter((kit) => kit.block === block);
  if (kitListHash(list.seed, list.design, ofBlock(0)) !== list.list_hash) return false;
  const blocks = await kitBlocks(db, studyId);
  return blocks.every(
    (block) => kitListHash(block.seed, block.design, ofBlock(block.block)) === block.list_hash,
  );
}

/**
 * Extends a sealed kit list with a further block, sealed at once: drawn from its own seed in the
 * current kit types' ratio, with numbers that never repeat one already listed and sequences that go
 * on from the last. The block's hash covers its seed, the design, the hash of the block before (so the
 * chain of blocks cannot be reordered) and its kits; the audit event carries hashes and counts, no seed.
 */
export async function extendKits(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { seed: number; kitCount: number },
  clock = new Date(),
): Promise<KitListStatus> {
  authorize(caller.user, 'randomisation.manage');
  await database.transaction(async (trx) => {
    const { design } = await currentKitDesign(trx, studyId);
    const list = await lockedKitList(trx, studyId);
    if (list?.status !== 'sealed') {
      throw conflict(
        'Only a sealed kit list is extended: until it is sealed, generate it again with more kits.',
      );
    }
    const kits = await kitEntries(trx, studyId);
    const blocks = await kitBlocks(trx, studyId);
    const previous = blocks.at(-1) ?? { block: 0, list_hash: list.list_hash };
    if (kits.length + input.kitCount > MAX_KITS) {
      throw conflict(
        `The kit list holds ${kits.length} kits; with ${input.kitCount} more it would pass ${MAX_KITS}. Extend it by at most ${MAX_KITS - kits.length}.`,
      );
    }
    const entries = generateKitList(design, input.kitCount, input.seed, {
      numbers: new Set(kits.map((kit) => kit.kitNumber)),
      lastSequence: kits.reduce((last, kit) => Math.max(last, kit.sequence), 0),
    });
    const block = previous.block + 1;
    const blockDesign = { ...design, block, previousHash: previous.list_hash };
    const hash = kitListHash(input.seed, blockDesign, entries);
    await insertKits(trx, studyId, entries, block);
    await trx
      .insertInto('kit_list_block')
      .values({
        study_id: studyId,
        block,
        seed: input.seed,
        design: JSON.stringify(blockDesign),
        list_hash: hash,
        kit_count: entries.length,
        sealed_by: personId(caller),
        sealed_by_name: caller.user.name,
        sealed_at: clock,
      })
      .execute();
    const total = kits.length + entries.length;
    await trx
      .updateTable('kit_list')
      .set({ kit_count: total, version: list.version + 1 })
      .where('study_id', '=', studyId)
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'kits.extend',
      entityType: 'kit_list',
      entityId: studyId,
      oldValue: { kitCount: kits.length, listHash: previous.list_hash },
      newValue: { block, listHash: hash, blockKitCount: entries.length, kitCount: total },
    });
  });
  return database.read((db) => kitListStatus(db, studyId, caller));
}

/**
 * A page of the kit list (in list order) with its seed and each kit's type: only for roles that may
 * see arms. Without `page`, the whole list (the command line's export). The page and the lots that
 * carry its kits are read in SQL; the hash check reads the whole list, as it must.
 */
export async function kitListView(
  db: Db,
  studyId: string,
  caller: Caller,
  page?: KitListQuery,
): Promise<KitListView> {
  if (!(await armsVisible(db, studyId, caller.user))) {
    throw forbidden('The kit list shows what each kit holds: only unblinded roles may read it.');
  }
  const status = await kitListStatus(db, studyId, caller);
  const list = await findKitList(db, studyId);
  if (!list) throw conflict('There is no kit list yet: the statistician generates it.');
  const entries = await kitEntries(db, studyId);
  const offset = page?.offset ?? 0;
  const limit = page?.limit ?? entries.length;
  const query = db
    .selectFrom('kit_list_entry as k')
    .leftJoin('vial', (join) =>
      join.onRef('vial.study_id', '=', 'k.study_id').onRef('vial.code', '=', 'k.kit_number'),
    )
    .leftJoin('product_lot as lot', (join) =>
      join
        .onRef('lot.study_id', '=', 'vial.study_id')
        .onRef('lot.lot_id', '=', 'vial.lot_id')
        .on('lot.kit_type', 'is not', null),
    )
    .select(['k.sequence', 'k.block', 'k.kit_number', 'k.kit_type', 'lot.lot_number'])
    .where('k.study_id', '=', studyId)
    .orderBy('k.sequence')
    .offset(offset)
    .limit(limit);
  // An empty list has nothing to page (and LIMIT 0 would still be a query).
  const rows = limit === 0 ? [] : await query.execute();
  return {
    ...status,
    seed: list.seed,
    hashMatches: await hashesMatch(db, studyId, list, entries),
    total: entries.length,
    limit,
    offset,
    kits: rows.map((row) => ({
      sequence: row.sequence,
      block: row.block,
      kitNumber: row.kit_number,
      kitType: row.kit_type,
      lotNumber: row.lot_number ?? null,
    })),
  };
}

export async function kitEntries(db: Db, studyId: string): Promise<StoredKit[]> {
  const rows = await db
    .selectFrom('kit_list_entry')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('sequence')
    .execute();
  return rows.map((row) => ({
    sequence: row.sequence,
    block: row.block,
    kitNumber: row.kit_number,
    kitType: row.kit_type,
  }));
}

/**
 * The next `count` kit numbers of a type that no vial carries yet, from the sealed list, locked for
 * the caller's transaction so two lots registered at once cannot take the same numbers.
 */
export async function takeKitNumbers(
  trx: Tx,
  studyId: string,
  kitType: string,
  count: number,
): Promise<string[]> {
  const list = await lockedKitList(trx, studyId);
  if (list?.status !== 'sealed') {
    throw conflict(
      'The kit list is not sealed: the statistician generates and seals it before lots of a kit type are registered.',
    );
  }
  const free = await trx
    .selectFrom('kit_list_entry as k')
    .select('k.kit_number')
    .where('k.study_id', '=', studyId)
    .where('k.kit_type', '=', kitType)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('vial as v')
            .select('v.vial_id')
            .whereRef('v.study_id', '=', 'k.study_id')
            .whereRef('v.code', '=', 'k.kit_number'),
        ),
      ),
    )
    .orderBy('k.sequence')
    .limit(count)
    .execute();
  if (free.length < count) {
    throw conflict(
      `The kit list has ${free.length} unused kit numbers of this type, fewer than the ${count} vials of the lot. Register fewer vials, or the statistician extends the kit list with a further sealed block.`,
    );
  }
  return free.map((row) => row.kit_number);
}

async function insertKits(trx: Tx, studyId: string, entries: readonly KitEntry[], block = 0): Promise<void> {
  for (let start = 0; start < entries.length; start += ENTRY_INSERT_CHUNK) {
    await trx
      .insertInto('kit_list_entry')
      .values(
        entries.slice(start, start + ENTRY_INSERT_CHUNK).map((entry) => ({
          study_id: studyId,
          sequence: entry.sequence,
          kit_number: entry.kitNumber,
          kit_type: entry.kitType,
          block,
        })),
      )
      .execute();
  }
}
