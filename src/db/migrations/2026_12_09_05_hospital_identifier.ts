import type { Kysely } from 'kysely';

// A participant's hospital identifier (the medical record number at the site), which laboratory
// messages name the patient by. It lives in its own table, not on `participant`, so that no export,
// view or copy of the participant row carries it by accident: it is read only where a service asks
// for it. Unique per site: two participants of one site cannot share a record number.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('participant_hospital_id')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'uuid', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('hospital_id', 'text', (column) => column.notNull())
    .addColumn('recorded_at', 'timestamptz', (column) => column.notNull())
    .addColumn('recorded_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('participant_hospital_id_pk', ['study_id', 'participant_id'])
    .execute();
  await db.schema
    .createIndex('participant_hospital_id_site')
    .on('participant_hospital_id')
    .columns(['study_id', 'site_id', 'hospital_id'])
    .unique()
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('participant_hospital_id').execute();
}
