import { recordAudit, recordParticipantAudit } from '../audit/audit.service.ts';
import { raiseQueryIn } from '../crf/query.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { DictionaryKind, PreviousCode } from '../db/schema-coding.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { codedName, codingsOf } from './coded-terms.ts';
import { authorizeCoder } from './coder-role.ts';
import type {
  CodingItemView,
  CodingListQuery,
  CodingQueryRequest,
  DictionaryList,
  PickCodeRequest,
  SelectVersionRequest,
} from './coding.schema.ts';
import { type CodingItemRow, recodeOnSwitch, studyVersion } from './coding-sync.ts';
import { listDictionaryVersions } from './dictionary.service.ts';
import { type Candidate, closestNames, matchKey } from './normalise.ts';

const dictionaryName = (dictionary: DictionaryKind) => (dictionary === 'meddra' ? 'MedDRA' : 'WHODrug');

/** The versions loaded and the one the study codes with, per dictionary. */
export async function dictionaryOverview(db: Db, studyId: string, caller: Caller): Promise<DictionaryList> {
  authorize(caller.user, 'study.read');
  const [versions, meddra, whodrug] = await Promise.all([
    listDictionaryVersions(db, studyId),
    studyVersion(db, studyId, 'meddra'),
    studyVersion(db, studyId, 'whodrug'),
  ]);
  return { versions, study: { meddra: meddra?.version ?? null, whodrug: whodrug?.version ?? null } };
}

/**
 * The data manager names the version the study codes with; every term is coded again on it (see
 * recodeOnSwitch). Audited with the reason, in one transaction with the recoding.
 */
export async function selectStudyVersion(
  database: Database,
  studyId: string,
  caller: Caller,
  dictionary: DictionaryKind,
  request: SelectVersionRequest,
): Promise<DictionaryList & { autoCoded: number; queued: number }> {
  authorize(caller.user, 'protocol.manage');
  const counts = await database.transaction(async (trx) => {
    const target = await trx
      .selectFrom('dictionary_version')
      .select(['dictionary_version_id', 'version'])
      .where('study_id', '=', studyId)
      .where('dictionary', '=', dictionary)
      .where('version', '=', request.version)
      .executeTakeFirst();
    if (!target) {
      throw validationFailed([
        {
          field: 'version',
          message: `${dictionaryName(dictionary)} ${request.version} is not loaded: import it with \`exotrial dictionary import ${dictionary}\` first.`,
        },
      ]);
    }
    const current = await studyVersion(trx, studyId, dictionary);
    if (current?.versionId === target.dictionary_version_id) {
      throw conflict(`The study already codes with ${dictionaryName(dictionary)} ${target.version}.`);
    }
    await trx
      .insertInto('study_dictionary')
      .values({
        study_id: studyId,
        dictionary,
        dictionary_version_id: target.dictionary_version_id,
        set_at: new Date(),
        set_by: caller.actor.label,
      })
      .onConflict((oc) =>
        oc.columns(['study_id', 'dictionary']).doUpdateSet({
          dictionary_version_id: target.dictionary_version_id,
          set_at: new Date(),
          set_by: caller.actor.label,
        }),
      )
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'dictionary.select',
      entityType: 'study_dictionary',
      entityId: dictionary,
      oldValue: current?.version ?? null,
      newValue: target.version,
      reason: request.reason,
    });
    return recodeOnSwitch(trx, studyId, caller.actor, dictionary, {
      versionId: target.dictionary_version_id,
      version: target.version,
    });
  });
  return { ...(await database.read((db) => dictionaryOverview(db, studyId, caller))), ...counts };
}

/** The current names of a version, to suggest from. */
async function candidatesOf(db: Db, versionId: string): Promise<Candidate[]> {
  const rows = await db
    .selectFrom('coding_name')
    .select(['code', 'name', 'language', 'match_key'])
    .where('dictionary_version_id', '=', versionId)
    .where('current', '=', true)
    .execute();
  return rows.map((row) => ({
    code: row.code,
    name: row.name,
    language: row.language,
    matchKey: row.match_key,
  }));
}

/**
 * The coder's list for one dictionary: the queue (queued and queried terms) by default, with the
 * closest names of the study's version as suggestions (trigram similarity, see normalise.ts) and the
 * code a term had before it came back; `search` keeps the verbatims that contain it.
 */
export async function listCodingItems(
  db: Db,
  studyId: string,
  caller: Caller,
  query: CodingListQuery,
): Promise<{ items: CodingItemView[]; version: string | null }> {
  await authorizeCoder(db, studyId, caller);
  const version = await studyVersion(db, studyId, query.dictionary);
  let select = db
    .selectFrom('coding_item')
    .innerJoin('participant', (join) =>
      join
        .onRef('participant.study_id', '=', 'coding_item.study_id')
        .onRef('participant.participant_id', '=', 'coding_item.participant_id'),
    )
    .selectAll('coding_item')
    .select(['participant.study_number', 'participant.screening_number'])
    .where('coding_item.study_id', '=', studyId)
    .where('coding_item.dictionary', '=', query.dictionary);
  if (query.show === 'queue') select = select.where('coding_item.status', 'in', ['queued', 'query']);
  if (query.show === 'coded') select = select.where('coding_item.status', '=', 'coded');
  const rows = (
    await select.orderBy('coding_item.verbatim').orderBy('coding_item.coding_id').execute()
  ).filter((row) => !query.search || matchKey(row.verbatim).includes(matchKey(query.search)));
  const candidates =
    version && rows.some((row) => row.status !== 'coded') ? await candidatesOf(db, version.versionId) : [];
  const views = await viewsOf(db, rows, candidates);
  return { items: views, version: version?.version ?? null };
}

type ListedRow = CodingItemRow & { study_number: string | null; screening_number: string };

async function viewsOf(db: Db, rows: ListedRow[], candidates: Candidate[]): Promise<CodingItemView[]> {
  const byVersion = new Map<string, { dictionary: DictionaryKind; codes: string[] }>();
  for (const row of rows) {
    if (!row.code || !row.dictionary_version_id) continue;
    const entry = byVersion.get(row.dictionary_version_id) ?? { dictionary: row.dictionary, codes: [] };
    entry.codes.push(row.code);
    byVersion.set(row.dictionary_version_id, entry);
  }
  const coded = new Map<string, Awaited<ReturnType<typeof codingsOf>>>();
  for (const [versionId, entry] of byVersion)
    coded.set(versionId, await codingsOf(db, entry.dictionary, versionId, entry.codes));
  return rows.map((row) => {
    const previous = row.previous as PreviousCode | null;
    return {
      codingId: row.coding_id,
      dictionary: row.dictionary,
      sourceType: row.source_type,
      sourceId: row.source_id,
      participantId: row.participant_id,
      participantLabel: row.study_number ?? row.screening_number,
      siteId: row.site_id,
      verbatim: row.verbatim,
      status: row.status,
      method: row.method,
      codedBy: row.coded_by,
      codedAt: row.coded_at ? new Date(row.coded_at).toISOString() : null,
      coded:
        (row.code && row.dictionary_version_id && coded.get(row.dictionary_version_id)?.get(row.code)) ||
        null,
      previous: previous ? { version: previous.version, code: previous.code, name: previous.name } : null,
      requeueReason: row.requeue_reason,
      queryId: row.query_id,
      suggestions:
        row.status === 'coded'
          ? []
          : closestNames(row.verbatim, candidates).map(({ code, name, language, similarity }) => ({
              code,
              name,
              language,
              similarity: Math.round(similarity * 1000) / 1000,
            })),
      version: row.version,
    };
  });
}

/** Names of the study's version closest to a search text, for the coder to pick from. */
export async function searchTerms(
  db: Db,
  studyId: string,
  caller: Caller,
  dictionary: DictionaryKind,
  search: string,
) {
  await authorizeCoder(db, studyId, caller);
  const version = await studyVersion(db, studyId, dictionary);
  if (!version) return { terms: [] };
  const candidates = await candidatesOf(db, version.versionId);
  const key = matchKey(search);
  const containing = candidates
    .filter((candidate) => candidate.matchKey.includes(key))
    .slice(0, 20)
    .map((candidate) => ({ ...candidate, similarity: 1 }));
  const close = closestNames(search, candidates, 20, 0.1);
  const seen = new Set<string>();
  const terms = [...containing, ...close].filter((entry) => !seen.has(entry.code) && seen.add(entry.code));
  return {
    terms: terms.slice(0, 20).map(({ code, name, language, similarity }) => ({
      code,
      name,
      language,
      similarity: Math.round(similarity * 1000) / 1000,
    })),
  };
}

async function lockedItem(trx: Db, studyId: string, codingId: string, expectedVersion: number) {
  const item = await trx
    .selectFrom('coding_item')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('coding_id', '=', codingId)
    .forUpdate()
    .executeTakeFirst();
  if (!item) throw notFound(`Coding item ${codingId}`);
  if (item.version !== expectedVersion) {
    throw conflict(
      `This term was coded or changed meanwhile (now version ${item.version}, yours ${expectedVersion}); reload it.`,
    );
  }
  return item;
}

/** The coder picks a code of the study's version for a term (or changes one coded before), audited. */
export async function pickCode(
  database: Database,
  studyId: string,
  caller: Caller,
  codingId: string,
  request: PickCodeRequest,
): Promise<CodingItemView> {
  await database.read((db) => authorizeCoder(db, studyId, caller));
  await database.transaction(async (trx) => {
    const item = await lockedItem(trx, studyId, codingId, request.version);
    authorize(caller.user, 'coding.code', { siteId: item.site_id });
    const version = await studyVersion(trx, studyId, item.dictionary);
    if (!version) {
      throw conflict(
        `The study codes with no ${dictionaryName(item.dictionary)} version yet: the data manager chooses one first.`,
      );
    }
    const coded = (await codingsOf(trx, item.dictionary, version.versionId, [request.code])).get(
      request.code,
    );
    if (!coded) {
      throw validationFailed([
        {
          field: 'code',
          message: `${request.code} is not a ${item.dictionary === 'meddra' ? 'MedDRA LLT' : 'WHODrug drug'} code of ${dictionaryName(item.dictionary)} ${version.version}.`,
        },
      ]);
    }
    if (coded.dictionary === 'meddra' && !coded.llt.current) {
      throw validationFailed([
        {
          field: 'code',
          message: `LLT ${request.code} (${coded.llt.name}) is not current in MedDRA ${version.version}: pick a current LLT.`,
        },
      ]);
    }
    const now = new Date();
    await trx
      .updateTable('coding_item')
      .set((eb) => ({
        status: 'coded',
        dictionary_version_id: version.versionId,
        code: request.code,
        method: 'manual',
        coded_by: caller.user.name,
        coded_at: now,
        // The old code was on show for this decision; the audit trail keeps it.
        previous: null,
        requeue_reason: null,
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('coding_id', '=', codingId)
      .execute();
    await recordParticipantAudit(trx, studyId, caller.actor, item, {
      action: 'coding.pick',
      entityType: 'coding_item',
      entityId: codingId,
      oldValue: { code: item.code, status: item.status },
      newValue: {
        verbatim: item.verbatim,
        code: request.code,
        name: codedName(coded),
        version: version.version,
      },
    });
  });
  return oneItem(database, studyId, codingId);
}

/**
 * The coder asks the site about an unclear verbatim: a query on the term's field through the query
 * service, in one transaction with the item, which waits in the queue (status `query`) until the
 * site changes the verbatim or the coder picks a code.
 */
export async function raiseCodingQuery(
  database: Database,
  studyId: string,
  caller: Caller,
  codingId: string,
  request: CodingQueryRequest,
): Promise<CodingItemView> {
  await database.read((db) => authorizeCoder(db, studyId, caller));
  await database.transaction(async (trx) => {
    const item = await lockedItem(trx, studyId, codingId, request.version);
    if (item.status === 'coded')
      throw conflict('This term is coded; a query is raised on a term in the queue.');
    const queryId = await raiseQueryIn(trx, studyId, caller, {
      recordId: item.source_id,
      itemId: item.item_id,
      text: request.text,
    });
    await trx
      .updateTable('coding_item')
      .set((eb) => ({
        status: 'query',
        query_id: queryId,
        updated_at: new Date(),
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('coding_id', '=', codingId)
      .execute();
    await recordParticipantAudit(trx, studyId, caller.actor, item, {
      action: 'coding.query',
      entityType: 'coding_item',
      entityId: codingId,
      oldValue: { status: item.status },
      newValue: { status: 'query', queryId, text: request.text },
    });
  });
  return oneItem(database, studyId, codingId);
}

async function oneItem(database: Database, studyId: string, codingId: string): Promise<CodingItemView> {
  return database.read(async (db) => {
    const row = await db
      .selectFrom('coding_item')
      .innerJoin('participant', (join) =>
        join
          .onRef('participant.study_id', '=', 'coding_item.study_id')
          .onRef('participant.participant_id', '=', 'coding_item.participant_id'),
      )
      .selectAll('coding_item')
      .select(['participant.study_number', 'participant.screening_number'])
      .where('coding_item.study_id', '=', studyId)
      .where('coding_item.coding_id', '=', codingId)
      .executeTakeFirstOrThrow();
    const version = row.status === 'coded' ? undefined : await studyVersion(db, studyId, row.dictionary);
    const [view] = await viewsOf(db, [row], version ? await candidatesOf(db, version.versionId) : []);
    if (!view) throw notFound(`Coding item ${codingId}`);
    return view;
  });
}
