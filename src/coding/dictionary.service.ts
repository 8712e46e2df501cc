import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { CodingNameTable, DictionaryKind, MeddraTermTable } from '../db/schema-coding.ts';
import { conflict, DomainError } from '../kernel/errors.ts';
import { type MeddraFile, type MeddraRelease, parseMeddra } from './meddra-parser.ts';
import { matchKey } from './normalise.ts';
import { parseWhodrug, type WhodrugFile } from './whodrug-parser.ts';

export type DictionaryLanguage = 'en' | 'zh';

export interface DictionaryVersionView {
  dictionaryVersionId: string;
  dictionary: DictionaryKind;
  version: string;
  languages: string[];
  counts: Record<string, number>;
  importedAt: string;
  importedBy: string;
}

/** Rows per INSERT: well below PostgreSQL's 65 535 parameters with the widest table here. */
const CHUNK = 1000;

async function insertChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) await insert(rows.slice(start, start + CHUNK));
}

async function findVersion(db: Db, studyId: string, dictionary: DictionaryKind, version: string) {
  return db
    .selectFrom('dictionary_version')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('dictionary', '=', dictionary)
    .where('version', '=', version)
    .executeTakeFirst();
}

const versionText = (version: string) => {
  const trimmed = version.trim();
  if (!/^[0-9A-Za-z][0-9A-Za-z ._-]{0,39}$/.test(trimmed)) {
    throw new DomainError(
      'validation_failed',
      `"${version}" is not a dictionary version: give it as the release names it, e.g. 27.1 or 2024 Mar 1.`,
    );
  }
  return trimmed;
};

/**
 * Imports a MedDRA release from its ASCII files (read by the caller: `readDistribution` for a folder,
 * `distributionFromTexts` for an upload), all or nothing. English creates the version;
 * Chinese (`language: 'zh'`) adds the translation's names to a version whose English is loaded, and
 * must hold the same codes. Audited as one `dictionary.import` event.
 */
export async function importMeddra(
  database: Database,
  studyId: string,
  actor: Actor,
  input: {
    files: Record<MeddraFile, Uint8Array>;
    source: string;
    version: string;
    language: DictionaryLanguage;
  },
): Promise<DictionaryVersionView> {
  const version = versionText(input.version);
  const release = parseMeddra(input.files);
  return database.transaction(async (trx) => {
    const existing = await findVersion(trx, studyId, 'meddra', version);
    const languages = (existing?.languages ?? []) as string[];
    if (languages.includes(input.language)) {
      throw conflict(`MedDRA ${version} in ${input.language} is already loaded; a release is imported once.`);
    }
    let versionId: string;
    if (input.language === 'en') {
      if (existing) throw conflict(`MedDRA ${version} is already loaded.`);
      versionId = await insertMeddraEnglish(trx, studyId, actor, version, release);
    } else {
      if (!existing) {
        throw new DomainError(
          'validation_failed',
          `Load the English files of MedDRA ${version} first; the Chinese translation adds names to them.`,
        );
      }
      versionId = existing.dictionary_version_id;
      await addMeddraTranslation(trx, versionId, release);
      await trx
        .updateTable('dictionary_version')
        .set({ languages: JSON.stringify([...languages, 'zh']) })
        .where('study_id', '=', studyId)
        .where('dictionary_version_id', '=', versionId)
        .execute();
    }
    await recordAudit(trx, studyId, actor, {
      action: 'dictionary.import',
      entityType: 'dictionary_version',
      entityId: versionId,
      newValue: { dictionary: 'meddra', version, language: input.language, ...meddraCounts(release) },
      context: { source: input.source },
    });
    return viewOf(await getVersionRow(trx, studyId, versionId));
  });
}

const meddraCounts = (release: MeddraRelease) => ({
  soc: release.soc.length,
  hlgt: release.hlgt.length,
  hlt: release.hlt.length,
  pt: release.pt.length,
  llt: release.llt.length,
});

async function insertMeddraEnglish(
  trx: Tx,
  studyId: string,
  actor: Actor,
  version: string,
  release: MeddraRelease,
): Promise<string> {
  const versionId = randomUUID();
  await trx
    .insertInto('dictionary_version')
    .values({
      study_id: studyId,
      dictionary_version_id: versionId,
      dictionary: 'meddra',
      version,
      languages: JSON.stringify(['en']),
      counts: JSON.stringify(meddraCounts(release)),
      imported_at: new Date(),
      imported_by: actor.label,
    })
    .execute();
  const terms: Array<Insertable<MeddraTermTable>> = [];
  for (const level of ['soc', 'hlgt', 'hlt', 'pt'] as const) {
    for (const term of release[level]) {
      terms.push({
        dictionary_version_id: versionId,
        level,
        code: term.code,
        name_en: term.name,
        name_zh: null,
        parent_code: null,
      });
    }
  }
  for (const term of release.llt) {
    terms.push({
      dictionary_version_id: versionId,
      level: 'llt',
      code: term.code,
      name_en: term.name,
      name_zh: null,
      parent_code: term.ptCode,
      current: term.current,
    });
  }
  await insertChunks(terms, (chunk) => trx.insertInto('meddra_term').values(chunk).execute());
  await insertChunks(release.primaryPaths, (chunk) =>
    trx
      .insertInto('meddra_primary_path')
      .values(
        chunk.map((path) => ({
          dictionary_version_id: versionId,
          pt_code: path.ptCode,
          hlt_code: path.hltCode,
          hlgt_code: path.hlgtCode,
          soc_code: path.socCode,
        })),
      )
      .execute(),
  );
  await insertNames(trx, versionId, 'en', release.llt);
  return versionId;
}

async function insertNames(
  trx: Tx,
  versionId: string,
  language: 'en' | 'zh',
  names: Array<{ code: string; name: string; current: boolean }>,
): Promise<void> {
  const rows: CodingNameTable[] = names.map((entry) => ({
    dictionary_version_id: versionId,
    code: entry.code,
    language,
    name: entry.name,
    match_key: matchKey(entry.name),
    current: entry.current,
  }));
  await insertChunks(rows, (chunk) => trx.insertInto('coding_name').values(chunk).execute());
}

/** The Chinese names of a loaded English release: every term of the translation must be in it. */
async function addMeddraTranslation(trx: Tx, versionId: string, release: MeddraRelease): Promise<void> {
  const known = await trx
    .selectFrom('meddra_term')
    .select(['level', 'code'])
    .where('dictionary_version_id', '=', versionId)
    .execute();
  const keys = new Set(known.map((term) => `${term.level}:${term.code}`));
  for (const level of ['soc', 'hlgt', 'hlt', 'pt', 'llt'] as const) {
    for (const term of release[level]) {
      if (!keys.has(`${level}:${term.code}`)) {
        throw new DomainError(
          'validation_failed',
          `${level}.asc: ${level}_code ${term.code} is not in the English release of this version; the translation must hold the same terms. Nothing was imported.`,
          { file: `${level}.asc`, line: 0 },
        );
      }
      await trx
        .updateTable('meddra_term')
        .set({ name_zh: term.name })
        .where('dictionary_version_id', '=', versionId)
        .where('level', '=', level)
        .where('code', '=', term.code)
        .execute();
    }
  }
  await insertNames(trx, versionId, 'zh', release.llt);
}

/** Imports a WHODrug Global B3 release (DD, DDA, INA), all or nothing, audited. */
export async function importWhodrug(
  database: Database,
  studyId: string,
  actor: Actor,
  input: { files: Record<WhodrugFile, Uint8Array>; source: string; version: string },
): Promise<DictionaryVersionView> {
  const version = versionText(input.version);
  const release = parseWhodrug(input.files);
  return database.transaction(async (trx) => {
    if (await findVersion(trx, studyId, 'whodrug', version)) {
      throw conflict(`WHODrug ${version} is already loaded; a release is imported once.`);
    }
    const versionId = randomUUID();
    const counts = { drugs: release.drugs.length, atc: release.atc.length };
    await trx
      .insertInto('dictionary_version')
      .values({
        study_id: studyId,
        dictionary_version_id: versionId,
        dictionary: 'whodrug',
        version,
        languages: JSON.stringify(['en']),
        counts: JSON.stringify(counts),
        imported_at: new Date(),
        imported_by: actor.label,
      })
      .execute();
    await insertChunks(release.atc, (chunk) =>
      trx
        .insertInto('whodrug_atc')
        .values(
          chunk.map((atc) => ({
            dictionary_version_id: versionId,
            atc_code: atc.atcCode,
            level: atc.level,
            text: atc.text,
          })),
        )
        .execute(),
    );
    await insertChunks(release.drugs, (chunk) =>
      trx
        .insertInto('whodrug_drug')
        .values(
          chunk.map((drug) => ({
            dictionary_version_id: versionId,
            drug_code: drug.drugCode,
            record_number: drug.recordNumber,
            name: drug.name,
            atc_code: drug.atcCode,
          })),
        )
        .execute(),
    );
    await insertNames(
      trx,
      versionId,
      'en',
      release.drugs.map((drug) => ({ code: drug.drugCode, name: drug.name, current: true })),
    );
    await recordAudit(trx, studyId, actor, {
      action: 'dictionary.import',
      entityType: 'dictionary_version',
      entityId: versionId,
      newValue: { dictionary: 'whodrug', version, language: 'en', ...counts },
      context: { source: input.source },
    });
    return viewOf(await getVersionRow(trx, studyId, versionId));
  });
}

async function getVersionRow(db: Db, studyId: string, versionId: string) {
  return db
    .selectFrom('dictionary_version')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('dictionary_version_id', '=', versionId)
    .executeTakeFirstOrThrow();
}

function viewOf(row: Awaited<ReturnType<typeof getVersionRow>>): DictionaryVersionView {
  return {
    dictionaryVersionId: row.dictionary_version_id,
    dictionary: row.dictionary,
    version: row.version,
    languages: row.languages as string[],
    counts: row.counts as Record<string, number>,
    importedAt: new Date(row.imported_at).toISOString(),
    importedBy: row.imported_by,
  };
}

/** Every loaded version, newest import first. */
export async function listDictionaryVersions(db: Db, studyId: string): Promise<DictionaryVersionView[]> {
  const rows = await db
    .selectFrom('dictionary_version')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('imported_at', 'desc')
    .execute();
  return rows.map(viewOf);
}
