import { type Kysely, sql } from 'kysely';

// Laboratory reference ranges per site, sex and age band. A range is written in the unit the site's
// laboratory reports (`unit`, UCUM) and also converted to the protocol item's unit (`standard_*`), so
// flags compare like with like and SDTM carries both (LBORNRLO/HI and LBSTNRLO/HI). A site's ranges are
// replaced whole by each import: the trail keeps the ranges before and after.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lab_reference_range')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('range_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('item_key', 'text', (column) => column.notNull())
    .addColumn('sex', 'text')
    .addColumn('age_low', 'integer')
    .addColumn('age_high', 'integer')
    .addColumn('unit', 'text', (column) => column.notNull())
    .addColumn('low', 'double precision')
    .addColumn('high', 'double precision')
    .addColumn('standard_unit', 'text', (column) => column.notNull())
    .addColumn('standard_low', 'double precision')
    .addColumn('standard_high', 'double precision')
    .addColumn('imported_at', 'timestamptz', (column) => column.notNull())
    .addColumn('imported_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('lab_reference_range_pk', ['study_id', 'range_id'])
    .addCheckConstraint('lab_reference_range_sex', sql`sex is null or sex in ('M', 'F')`)
    .addCheckConstraint('lab_reference_range_bound', sql`low is not null or high is not null`)
    .execute();
  await db.schema
    .createIndex('lab_reference_range_site_item')
    .on('lab_reference_range')
    .columns(['study_id', 'site_id', 'item_key'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lab_reference_range').execute();
}
