import type { Selectable } from 'kysely';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { RandomisationListTable } from '../db/schema-randomisation.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict } from '../kernel/errors.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { generateBlockList, type ListEntry, listHash } from './permuted-blocks.ts';
import type { RandomisationListView, RandomisationStatus } from './randomisation.schema.ts';
import type { StoredDesign } from './randomisation-design.ts';
import { strataOfDesign } from './randomisation-design.ts';
import { iso, type SealableList, sealStoredList, storeGeneratedList } from './sealed-list.ts';

type ListRow = Selectable<RandomisationListTable>;

/** 7 columns a row: 2,000 rows stay far below PostgreSQL's 65,535 parameters per statement. */
const ENTRY_INSERT_CHUNK = 2_000;

export const findList = (db: Db, studyId: string): Promise<ListRow | undefined> =>
  db.selectFrom('randomisation_list').selectAll().where('study_id', '=', studyId).executeTakeFirst();

/**
 * The randomisation list's storage, for the steps it shares with the kit list (sealed-list.ts);
 * `generated` holds the columns of a list being generated (its method and size).
 */
const storedList = (
  studyId: string,
  generated?: Pick<ListRow, 'method' | 'entry_count'>,
): SealableList<ListRow, ListEntry> => ({
  noun: 'list',
  entityType: 'randomisation_list',
  actions: { generate: 'randomisation.generate', seal: 'randomisation.seal' },
  lock: (trx) => lockedList(trx, studyId),
  entries: (trx) => listEntries(trx, studyId),
  hash: listHash,
  saveRow: async (trx, columns, existing) => {
    const row = {
      ...columns,
      method: generated?.method ?? 'permuted-blocks',
      entry_count: generated?.entry_count ?? 0,
    };
    if (existing) {
      await trx.updateTable('randomisation_list').set(row).where('study_id', '=', studyId).execute();
    } else {
      await trx
        .insertInto('randomisation_list')
        .values({ study_id: studyId, ...row })
        .execute();
    }
  },
  sealRow: async (trx, columns) => {
    await trx.updateTable('randomisation_list').set(columns).where('study_id', '=', studyId).execute();
  },
  deleteEntries: async (trx) => {
    await trx.deleteFrom('randomisation_entry').where('study_id', '=', studyId).execute();
  },
  insertEntries: (trx, entries) => insertEntries(trx, studyId, entries),
  size: (row) => ({ entryCount: row.entry_count }),
});

/**
 * Generates the study's list from the current protocol's randomisation section and the study's sites,
 * with the statistician's seed; replaces a list not yet sealed and refuses once sealed (sealed-list.ts).
 */
export async function generateList(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { seed: number },
  clock = new Date(),
): Promise<RandomisationStatus> {
  authorize(caller.user, 'randomisation.manage');
  await database.transaction(async (trx) => {
    const { protocol, versionNo } = await currentProtocol(trx, studyId);
    const randomisation = protocol.randomisation;
    if (!randomisation) throw conflict('The protocol does not randomise: it has no randomisation section.');
    const sites = await trx.selectFrom('site').select('site_id').where('study_id', '=', studyId).execute();
    const design: StoredDesign = { randomisation, siteIds: sites.map((site) => site.site_id).sort() };
    const entries =
      randomisation.method === 'permuted-blocks'
        ? generateBlockList(randomisation, strataOfDesign(design), input.seed)
        : [];
    const list = storedList(studyId, { method: randomisation.method, entry_count: entries.length });
    await storeGeneratedList(
      trx,
      studyId,
      caller,
      list,
      {
        seed: input.seed,
        design,
        entries,
        protocolVersion: versionNo,
        audited: {
          method: randomisation.method,
          entryCount: entries.length,
          strata: strataOfDesign(design).length,
        },
      },
      clock,
    );
  });
  return database.read((db) => randomisationStatus(db, studyId, caller));
}

/** Seals the list the statistician checked (named by its hash): from then on it never changes and allocation may start. */
export async function sealList(
  database: Database,
  studyId: string,
  caller: Caller,
  input: { listHash: string },
  clock = new Date(),
): Promise<RandomisationStatus> {
  authorize(caller.user, 'randomisation.manage');
  await database.transaction((trx) =>
    sealStoredList(trx, studyId, caller, storedList(studyId), input.listHash, clock),
  );
  return database.read((db) => randomisationStatus(db, studyId, caller));
}

/** Whether randomisation is ready, for every reader of the study: no seed, no arm. */
export async function randomisationStatus(
  db: Db,
  studyId: string,
  caller: Caller,
): Promise<RandomisationStatus> {
  authorize(caller.user, 'study.read');
  const { protocol } = await currentProtocol(db, studyId);
  const list = await findList(db, studyId);
  const allocations = await db
    .selectFrom('randomisation_allocation')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('study_id', '=', studyId)
    .executeTakeFirstOrThrow();
  const method = list?.method ?? protocol.randomisation?.method ?? null;
  const status = list ? list.status : protocol.randomisation ? 'missing' : 'none';
  return {
    method,
    status,
    listHash: list?.list_hash ?? null,
    entryCount: list?.entry_count ?? 0,
    strata: list ? strataOfDesign(list.design as StoredDesign).map((stratum) => stratum.key) : [],
    allocations: Number(allocations.count),
    generated: list ? { name: list.generated_by_name, at: iso(list.generated_at) } : null,
    sealed: list?.sealed_at ? { name: list.sealed_by_name ?? '', at: iso(list.sealed_at) } : null,
  };
}

/** The list itself, with its seed and arms: unblinded roles only. */
export async function randomisationList(
  db: Db,
  studyId: string,
  caller: Caller,
): Promise<RandomisationListView> {
  authorize(caller.user, 'randomisation.view-list');
  const status = await randomisationStatus(db, studyId, caller);
  const list = await findList(db, studyId);
  if (!list) throw conflict('There is no randomisation list yet: the statistician generates it.');
  const entries = await listEntries(db, studyId);
  const allocations = await db
    .selectFrom('randomisation_allocation as a')
    .innerJoin('participant as p', (join) =>
      join.onRef('p.study_id', '=', 'a.study_id').onRef('p.participant_id', '=', 'a.participant_id'),
    )
    .select(['a.stratum', 'a.sequence', 'a.randomisation_number', 'a.arm', 'p.study_number', 'p.site_id'])
    .where('a.study_id', '=', studyId)
    .orderBy('a.allocated_at')
    .orderBy('a.sequence')
    .execute();
  // A site's unblinded pharmacist sees who was allocated at their own sites, not at the others.
  const seen = allocations.filter((row) => canAccessSite(caller.user, row.site_id));
  const taken = new Set(allocations.map((row) => `${row.stratum}#${row.sequence}`));
  const takenBy = new Map(seen.map((row) => [`${row.stratum}#${row.sequence}`, row.study_number]));
  return {
    ...status,
    seed: list.seed,
    hashMatches: listHash(list.seed, list.design, entries) === list.list_hash,
    entries: entries.map((entry) => ({
      ...entry,
      taken: taken.has(`${entry.stratum}#${entry.sequence}`),
      allocatedTo: takenBy.get(`${entry.stratum}#${entry.sequence}`) ?? null,
    })),
    allocationsMade: seen.map((row) => ({
      sequence: row.sequence,
      randomisationNumber: row.randomisation_number,
      stratum: row.stratum,
      arm: row.arm,
      studyNumber: row.study_number,
    })),
  };
}

export async function listEntries(db: Db, studyId: string): Promise<ListEntry[]> {
  const rows = await db
    .selectFrom('randomisation_entry')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('stratum')
    .orderBy('sequence')
    .execute();
  return rows.map((row) => ({
    stratum: row.stratum,
    sequence: row.sequence,
    block: row.block,
    blockSize: row.block_size,
    arm: row.arm,
    randomisationNumber: row.randomisation_number,
  }));
}

/** The list row locked for this transaction: generation, sealing and allocations take turns on it. */
export const lockedList = (trx: Tx, studyId: string): Promise<ListRow | undefined> =>
  trx
    .selectFrom('randomisation_list')
    .selectAll()
    .where('study_id', '=', studyId)
    .forUpdate()
    .executeTakeFirst();

async function insertEntries(trx: Tx, studyId: string, entries: readonly ListEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += ENTRY_INSERT_CHUNK) {
    await trx
      .insertInto('randomisation_entry')
      .values(
        entries.slice(start, start + ENTRY_INSERT_CHUNK).map((entry) => ({
          study_id: studyId,
          stratum: entry.stratum,
          sequence: entry.sequence,
          block: entry.block,
          block_size: entry.blockSize,
          arm: entry.arm,
          randomisation_number: entry.randomisationNumber,
        })),
      )
      .execute();
  }
}
