import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Actor } from '../audit/audit.schema.ts';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import type { CodingItemTable, CodingSourceType, DictionaryKind, PreviousCode } from '../db/schema-coding.ts';
import { codedName, codingsOf } from './coded-terms.ts';
import { matchKey } from './normalise.ts';

export type CodingItemRow = Selectable<CodingItemTable>;

/** The dictionary version a study codes with, or undefined until the data manager chooses one. */
export async function studyVersion(db: Db, studyId: string, dictionary: DictionaryKind) {
  return db
    .selectFrom('study_dictionary')
    .innerJoin('dictionary_version', (join) =>
      join
        .onRef('dictionary_version.study_id', '=', 'study_dictionary.study_id')
        .onRef('dictionary_version.dictionary_version_id', '=', 'study_dictionary.dictionary_version_id'),
    )
    .select([
      'dictionary_version.dictionary_version_id as versionId',
      'dictionary_version.version as version',
    ])
    .where('study_dictionary.study_id', '=', studyId)
    .where('study_dictionary.dictionary', '=', dictionary)
    .executeTakeFirst();
}

/**
 * The one code a verbatim matches exactly (after `matchKey`) among the current names of a version,
 * or null: no match, or names of two different codes (a coder decides between them).
 */
export async function exactMatch(db: Db, versionId: string, verbatim: string): Promise<string | null> {
  const rows = await db
    .selectFrom('coding_name')
    .select('code')
    .distinct()
    .where('dictionary_version_id', '=', versionId)
    .where('match_key', '=', matchKey(verbatim))
    .where('current', '=', true)
    .limit(2)
    .execute();
  return rows.length === 1 ? (rows[0]?.code ?? null) : null;
}

/** What a writer of a verbatim hands to coding: where it is, whose it is, and its text now. */
export interface VerbatimSource {
  dictionary: DictionaryKind;
  sourceType: CodingSourceType;
  sourceId: string;
  itemId: string;
  participant: { participant_id: string; site_id: string };
  verbatim: string | null;
}

const auditSubject = (item: Pick<CodingItemRow, 'participant_id' | 'site_id'>) => ({
  participant_id: item.participant_id,
  site_id: item.site_id,
});

/** The code an item holds, as shown when it goes back to the queue. */
async function previousOf(db: Db, item: CodingItemRow): Promise<PreviousCode | null> {
  if (!item.code || !item.dictionary_version_id) return null;
  const coded = (await codingsOf(db, item.dictionary, item.dictionary_version_id, [item.code])).get(
    item.code,
  );
  const version = await db
    .selectFrom('dictionary_version')
    .select('version')
    .where('dictionary_version_id', '=', item.dictionary_version_id)
    .executeTakeFirst();
  return {
    dictionaryVersionId: item.dictionary_version_id,
    version: version?.version ?? '',
    code: item.code,
    name: coded ? codedName(coded) : item.code,
  };
}

/**
 * Codes a verbatim as it is saved, in the writer's transaction: a new or changed verbatim is coded
 * at once when it matches one current name of the study's version exactly, and is queued for the
 * coder otherwise; a changed verbatim that was coded keeps its old code on show in the queue. An
 * unchanged verbatim changes nothing. Each step is audited.
 */
export async function syncVerbatim(
  trx: Tx,
  studyId: string,
  actor: Actor,
  source: VerbatimSource,
): Promise<void> {
  const verbatim = source.verbatim?.trim() ?? '';
  const existing = await trx
    .selectFrom('coding_item')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('source_type', '=', source.sourceType)
    .where('source_id', '=', source.sourceId)
    .forUpdate()
    .executeTakeFirst();
  if (verbatim === '' || existing?.verbatim === verbatim) return;
  const version = await studyVersion(trx, studyId, source.dictionary);
  const code = version ? await exactMatch(trx, version.versionId, verbatim) : null;
  const now = new Date();
  const previous = existing?.code ? await previousOf(trx, existing) : (existing?.previous ?? null);
  const values = {
    verbatim,
    status: code ? ('coded' as const) : ('queued' as const),
    dictionary_version_id: code ? (version?.versionId ?? null) : null,
    code,
    method: code ? ('auto' as const) : null,
    coded_by: code ? 'auto' : null,
    coded_at: code ? now : null,
    previous: existing && !code && previous ? JSON.stringify(previous) : null,
    requeue_reason: existing && !code ? 'verbatim-changed' : null,
    query_id: null,
    updated_at: now,
  };
  const row = existing
    ? await trx
        .updateTable('coding_item')
        .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
        .where('study_id', '=', studyId)
        .where('coding_id', '=', existing.coding_id)
        .returningAll()
        .executeTakeFirstOrThrow()
    : await trx
        .insertInto('coding_item')
        .values({
          ...values,
          study_id: studyId,
          coding_id: randomUUID(),
          dictionary: source.dictionary,
          source_type: source.sourceType,
          source_id: source.sourceId,
          item_id: source.itemId,
          participant_id: source.participant.participant_id,
          site_id: source.participant.site_id,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
  await recordParticipantAudit(trx, studyId, actor, auditSubject(row), {
    action: code ? 'coding.auto' : 'coding.queue',
    entityType: 'coding_item',
    entityId: row.coding_id,
    oldValue: existing ? { verbatim: existing.verbatim, code: existing.code, status: existing.status } : null,
    newValue: { verbatim, code, status: row.status, version: code ? version?.version : null },
    ...(existing ? { reason: 'verbatim changed' } : {}),
  });
}

/**
 * After the study switches its version of a dictionary: every item is coded again on the new
 * version. An exact match of a current name codes it at once; every other item goes (back) to the
 * queue, a coded one with its old code on show, for the coder to confirm or change.
 */
export async function recodeOnSwitch(
  trx: Tx,
  studyId: string,
  actor: Actor,
  dictionary: DictionaryKind,
  target: { versionId: string; version: string },
): Promise<{ autoCoded: number; queued: number }> {
  const items = await trx
    .selectFrom('coding_item')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('dictionary', '=', dictionary)
    .forUpdate()
    .execute();
  const counts = { autoCoded: 0, queued: 0 };
  for (const item of items) {
    if (item.status === 'coded' && item.dictionary_version_id === target.versionId) continue;
    const code = await exactMatch(trx, target.versionId, item.verbatim);
    const previous = item.code ? await previousOf(trx, item) : null;
    const now = new Date();
    await trx
      .updateTable('coding_item')
      .set((eb) => ({
        status: code ? 'coded' : item.status === 'query' ? 'query' : 'queued',
        dictionary_version_id: code ? target.versionId : null,
        code,
        method: code ? 'auto' : null,
        coded_by: code ? 'auto' : null,
        coded_at: code ? now : null,
        previous:
          !code && previous ? JSON.stringify(previous) : item.previous ? JSON.stringify(item.previous) : null,
        requeue_reason: code ? null : 'version-switched',
        updated_at: now,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where('coding_id', '=', item.coding_id)
      .execute();
    if (code) counts.autoCoded += 1;
    else counts.queued += 1;
    await recordParticipantAudit(trx, studyId, actor, auditSubject(item), {
      action: code ? 'coding.auto' : 'coding.queue',
      entityType: 'coding_item',
      entityId: item.coding_id,
      oldValue: { code: item.code, status: item.status, version: previous?.version ?? null },
      newValue: { code, status: code ? 'coded' : 'queued', version: code ? target.version : null },
      reason: `the study codes with ${dictionary === 'meddra' ? 'MedDRA' : 'WHODrug'} ${target.version}`,
    });
  }
  return counts;
}
