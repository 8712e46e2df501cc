import { type Kysely, sql } from 'kysely';

// Coding dictionaries the sponsor licenses (MedDRA, WHODrug Global B3), loaded from their distribution
// files by `exotrial dictionary import`. Several versions coexist: each import is one
// `dictionary_version`, and every term row belongs to one. `coding_name` holds every name a verbatim
// can be matched against (an LLT in each language, a WHODrug drug name) with its normalised key, so
// auto-coding is one indexed lookup whichever dictionary it codes with.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dictionary_version')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('dictionary', 'text', (column) => column.notNull())
    .addColumn('version', 'text', (column) => column.notNull())
    .addColumn('languages', 'jsonb', (column) => column.notNull())
    .addColumn('counts', 'jsonb', (column) => column.notNull())
    .addColumn('imported_at', 'timestamptz', (column) => column.notNull())
    .addColumn('imported_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('dictionary_version_pk', ['study_id', 'dictionary_version_id'])
    .addUniqueConstraint('dictionary_version_unique', ['study_id', 'dictionary', 'version'])
    .addCheckConstraint('dictionary_version_dictionary', sql`dictionary in ('meddra', 'whodrug')`)
    .execute();

  // MedDRA terms of every level; an LLT names its PT (`parent_code`) and whether it is current.
  await db.schema
    .createTable('meddra_term')
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('level', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('name_en', 'text')
    .addColumn('name_zh', 'text')
    .addColumn('parent_code', 'text')
    .addColumn('current', 'boolean', (column) => column.notNull().defaultTo(true))
    .addPrimaryKeyConstraint('meddra_term_pk', ['dictionary_version_id', 'level', 'code'])
    .addCheckConstraint('meddra_term_level', sql`level in ('soc', 'hlgt', 'hlt', 'pt', 'llt')`)
    .execute();

  // The primary path of each PT (mdhier.asc with primary_soc_fg = Y): its HLT, HLGT and SOC.
  await db.schema
    .createTable('meddra_primary_path')
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('pt_code', 'text', (column) => column.notNull())
    .addColumn('hlt_code', 'text', (column) => column.notNull())
    .addColumn('hlgt_code', 'text', (column) => column.notNull())
    .addColumn('soc_code', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('meddra_primary_path_pk', ['dictionary_version_id', 'pt_code'])
    .execute();

  // WHODrug drug names (DD), keyed by the drug code: record number, sequence numbers 1 and 2, check digit.
  await db.schema
    .createTable('whodrug_drug')
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('drug_code', 'text', (column) => column.notNull())
    .addColumn('record_number', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('atc_code', 'text')
    .addPrimaryKeyConstraint('whodrug_drug_pk', ['dictionary_version_id', 'drug_code'])
    .execute();

  // ATC classification texts (INA): code, level 1-5, text.
  await db.schema
    .createTable('whodrug_atc')
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('atc_code', 'text', (column) => column.notNull())
    .addColumn('level', 'integer', (column) => column.notNull())
    .addColumn('text', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('whodrug_atc_pk', ['dictionary_version_id', 'atc_code'])
    .execute();

  await db.schema
    .createTable('coding_name')
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('language', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('match_key', 'text', (column) => column.notNull())
    .addColumn('current', 'boolean', (column) => column.notNull())
    .addPrimaryKeyConstraint('coding_name_pk', ['dictionary_version_id', 'code', 'language'])
    .execute();
  await db.schema
    .createIndex('coding_name_match')
    .on('coding_name')
    .columns(['dictionary_version_id', 'match_key'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'coding_name',
    'whodrug_atc',
    'whodrug_drug',
    'meddra_primary_path',
    'meddra_term',
    'dictionary_version',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
