import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.ts';

export type DictionaryKind = 'meddra' | 'whodrug';
export type MeddraLevel = 'soc' | 'hlgt' | 'hlt' | 'pt' | 'llt';

/** One imported version of a licensed coding dictionary (migration 2026_12_08_01). */
export interface DictionaryVersionTable {
  study_id: string;
  dictionary_version_id: string;
  dictionary: DictionaryKind;
  version: string;
  languages: Json<string[]>;
  /** Rows imported per file kind, e.g. { llt: 80000, pt: 24000 }. */
  counts: Json<Record<string, number>>;
  imported_at: Timestamp;
  imported_by: string;
}

export interface MeddraTermTable {
  dictionary_version_id: string;
  level: MeddraLevel;
  code: string;
  name_en: string | null;
  name_zh: string | null;
  /** An LLT's PT. */
  parent_code: string | null;
  /** An LLT's currency (llt_currency = Y); every other level is current. */
  current: Generated<boolean>;
}

export interface MeddraPrimaryPathTable {
  dictionary_version_id: string;
  pt_code: string;
  hlt_code: string;
  hlgt_code: string;
  soc_code: string;
}

export interface WhodrugDrugTable {
  dictionary_version_id: string;
  /** Drug record number, sequence numbers 1 and 2 and check digit: 12 characters. */
  drug_code: string;
  record_number: string;
  name: string;
  /** The drug's ATC code (DDA), the first when a drug has several. */
  atc_code: string | null;
}

export interface WhodrugAtcTable {
  dictionary_version_id: string;
  atc_code: string;
  level: number;
  text: string;
}

/** Every name a verbatim is matched against, with its normalised key (see coding/normalise.ts). */
export interface CodingNameTable {
  dictionary_version_id: string;
  /** An LLT code or a WHODrug drug code. */
  code: string;
  language: 'en' | 'zh';
  name: string;
  match_key: string;
  current: boolean;
}

export interface StudyDictionaryTable {
  study_id: string;
  dictionary: DictionaryKind;
  dictionary_version_id: string;
  set_at: Timestamp;
  set_by: string;
}

export type CodingSourceType = 'adverse_event' | 'conmed';
export type CodingStatus = 'coded' | 'queued' | 'query';

/** The code a term had before it went back to the queue. */
export interface PreviousCode {
  dictionaryVersionId: string;
  version: string;
  code: string;
  name: string;
}

export interface CodingItemTable {
  study_id: string;
  coding_id: string;
  dictionary: DictionaryKind;
  source_type: CodingSourceType;
  /** The adverse event's id, or the conmeds form record's id. */
  source_id: string;
  /** The form item holding the verbatim (`term`, `medication`): where a coding query is raised. */
  item_id: string;
  participant_id: string;
  site_id: string;
  verbatim: string;
  status: CodingStatus;
  dictionary_version_id: string | null;
  code: string | null;
  method: 'auto' | 'manual' | null;
  coded_by: string | null;
  coded_at: Timestamp | null;
  previous: Json<PreviousCode> | null;
  /** Why the term went back to the queue: `verbatim-changed` or `version-switched`. */
  requeue_reason: string | null;
  query_id: string | null;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface CodingTables {
  dictionary_version: DictionaryVersionTable;
  meddra_term: MeddraTermTable;
  meddra_primary_path: MeddraPrimaryPathTable;
  whodrug_drug: WhodrugDrugTable;
  whodrug_atc: WhodrugAtcTable;
  coding_name: CodingNameTable;
  study_dictionary: StudyDictionaryTable;
  coding_item: CodingItemTable;
}
