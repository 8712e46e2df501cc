import type { Db } from '../db/connection.ts';
import type { DictionaryKind } from '../db/schema-coding.ts';

/** A MedDRA level's code and names. */
export interface MeddraLevelTerm {
  code: string;
  name: string;
  nameZh: string | null;
}

/** An LLT with its primary path: the coded term as reports and SDTM AE need it. */
export interface MeddraCoding {
  dictionary: 'meddra';
  version: string;
  llt: MeddraLevelTerm & { current: boolean };
  pt: MeddraLevelTerm;
  hlt: MeddraLevelTerm;
  hlgt: MeddraLevelTerm;
  soc: MeddraLevelTerm;
}

/** A WHODrug drug with its preferred name (CMDECOD) and ATC class (CMCLAS, CMCLASCD). */
export interface WhodrugCoding {
  dictionary: 'whodrug';
  version: string;
  drugCode: string;
  name: string;
  preferredName: string;
  atcCode: string | null;
  atcText: string | null;
}

export type CodedTerm = MeddraCoding | WhodrugCoding;

const term = (row: { code: string; name_en: string | null; name_zh: string | null } | undefined) =>
  row ? { code: row.code, name: row.name_en ?? row.name_zh ?? row.code, nameZh: row.name_zh } : undefined;

/** LLTs of one version with their PT and the PT's primary HLT, HLGT and SOC, by LLT code. */
export async function meddraCodings(
  db: Db,
  versionId: string,
  lltCodes: readonly string[],
): Promise<Map<string, MeddraCoding>> {
  const found = new Map<string, MeddraCoding>();
  if (lltCodes.length === 0) return found;
  const version = await db
    .selectFrom('dictionary_version')
    .select('version')
    .where('dictionary_version_id', '=', versionId)
    .executeTakeFirst();
  const llts = await db
    .selectFrom('meddra_term')
    .selectAll()
    .where('dictionary_version_id', '=', versionId)
    .where('level', '=', 'llt')
    .where('code', 'in', [...new Set(lltCodes)])
    .execute();
  const ptCodes = [...new Set(llts.map((llt) => llt.parent_code ?? ''))];
  if (!version || ptCodes.length === 0) return found;
  const paths = await db
    .selectFrom('meddra_primary_path')
    .selectAll()
    .where('dictionary_version_id', '=', versionId)
    .where('pt_code', 'in', ptCodes)
    .execute();
  const codes = [...ptCodes, ...paths.flatMap((path) => [path.hlt_code, path.hlgt_code, path.soc_code])];
  const terms = await db
    .selectFrom('meddra_term')
    .select(['level', 'code', 'name_en', 'name_zh'])
    .where('dictionary_version_id', '=', versionId)
    .where('level', '!=', 'llt')
    .where('code', 'in', codes)
    .execute();
  const byLevel = (level: string, code: string) =>
    term(terms.find((row) => row.level === level && row.code === code));
  for (const llt of llts) {
    const path = paths.find((entry) => entry.pt_code === llt.parent_code);
    const pt = byLevel('pt', llt.parent_code ?? '');
    const hlt = path && byLevel('hlt', path.hlt_code);
    const hlgt = path && byLevel('hlgt', path.hlgt_code);
    const soc = path && byLevel('soc', path.soc_code);
    const lowest = term(llt);
    if (!pt || !hlt || !hlgt || !soc || !lowest) continue;
    found.set(llt.code, {
      dictionary: 'meddra',
      version: version.version,
      llt: { ...lowest, current: llt.current },
      pt,
      hlt,
      hlgt,
      soc,
    });
  }
  return found;
}

/**
 * Drugs of one version by drug code, each with its preferred name (the name of its record number's
 * sequence 01/001, as WHODrug defines the preferred name) and its ATC code and text.
 */
export async function whodrugCodings(
  db: Db,
  versionId: string,
  drugCodes: readonly string[],
): Promise<Map<string, WhodrugCoding>> {
  const found = new Map<string, WhodrugCoding>();
  if (drugCodes.length === 0) return found;
  const version = await db
    .selectFrom('dictionary_version')
    .select('version')
    .where('dictionary_version_id', '=', versionId)
    .executeTakeFirst();
  const drugs = await db
    .selectFrom('whodrug_drug')
    .selectAll()
    .where('dictionary_version_id', '=', versionId)
    .where('drug_code', 'in', [...new Set(drugCodes)])
    .execute();
  if (!version || drugs.length === 0) return found;
  const preferred = await db
    .selectFrom('whodrug_drug')
    .select(['record_number', 'name', 'atc_code'])
    .where('dictionary_version_id', '=', versionId)
    .where('record_number', 'in', [...new Set(drugs.map((drug) => drug.record_number))])
    .where('drug_code', 'like', '______01001_')
    .execute();
  const atcCodes = [...drugs, ...preferred]
    .map((drug) => drug.atc_code)
    .filter((code): code is string => !!code);
  const atc =
    atcCodes.length === 0
      ? []
      : await db
          .selectFrom('whodrug_atc')
          .select(['atc_code', 'text'])
          .where('dictionary_version_id', '=', versionId)
          .where('atc_code', 'in', atcCodes)
          .execute();
  for (const drug of drugs) {
    const main = preferred.find((entry) => entry.record_number === drug.record_number);
    const atcCode = drug.atc_code ?? main?.atc_code ?? null;
    found.set(drug.drug_code, {
      dictionary: 'whodrug',
      version: version.version,
      drugCode: drug.drug_code,
      name: drug.name,
      preferredName: main?.name ?? drug.name,
      atcCode,
      atcText: atc.find((entry) => entry.atc_code === atcCode)?.text ?? null,
    });
  }
  return found;
}

/** The coded terms of one dictionary version, by code. */
export function codingsOf(
  db: Db,
  dictionary: DictionaryKind,
  versionId: string,
  codes: readonly string[],
): Promise<Map<string, CodedTerm>> {
  return dictionary === 'meddra' ? meddraCodings(db, versionId, codes) : whodrugCodings(db, versionId, codes);
}

/** The name a code is shown by: an LLT's name, a drug's name. */
export function codedName(coded: CodedTerm): string {
  return coded.dictionary === 'meddra' ? coded.llt.name : coded.name;
}

/**
 * The coded terms of some participants' verbatims (or of all the study's, `'all'`), by participant and then by source record (an
 * adverse event's id, a conmeds record's id): what exports and reports read. Terms in the queue or
 * under query are not coded and are absent.
 */
export async function codedTermsOf(
  db: Db,
  studyId: string,
  participantIds: readonly string[] | 'all',
): Promise<Map<string, Map<string, CodedTerm>>> {
  const found = new Map<string, Map<string, CodedTerm>>();
  if (participantIds.length === 0) return found;
  let query = db
    .selectFrom('coding_item')
    .select(['participant_id', 'source_id', 'dictionary', 'dictionary_version_id', 'code'])
    .where('study_id', '=', studyId)
    .where('status', '=', 'coded');
  if (participantIds !== 'all') query = query.where('participant_id', 'in', [...participantIds]);
  const items = await query.execute();
  const groups = new Map<string, { dictionary: DictionaryKind; versionId: string; codes: string[] }>();
  for (const item of items) {
    if (!item.dictionary_version_id || !item.code) continue;
    const key = `${item.dictionary}:${item.dictionary_version_id}`;
    const group = groups.get(key) ?? {
      dictionary: item.dictionary,
      versionId: item.dictionary_version_id,
      codes: [],
    };
    group.codes.push(item.code);
    groups.set(key, group);
  }
  const terms = new Map<string, Map<string, CodedTerm>>();
  for (const [key, group] of groups)
    terms.set(key, await codingsOf(db, group.dictionary, group.versionId, group.codes));
  for (const item of items) {
    const coded = item.code && terms.get(`${item.dictionary}:${item.dictionary_version_id}`)?.get(item.code);
    if (!coded) continue;
    const mine = found.get(item.participant_id) ?? new Map<string, CodedTerm>();
    mine.set(item.source_id, coded);
    found.set(item.participant_id, mine);
  }
  return found;
}
