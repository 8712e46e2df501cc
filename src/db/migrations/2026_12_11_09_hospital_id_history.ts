import type { Kysely } from 'kysely';

// The hospital identifiers a participant had before a correction. The audit trail, which monitors and
// data managers read, shows a change only masked (the record number identifies the patient); the
// value replaced is kept here, in full, beside the current one and read only where the current one
// is: a correction never loses the number that earlier laboratory messages named the patient by.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('participant_hospital_id_history')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'uuid', (column) => column.notNull())
    .addColumn('replaced_seq', 'integer', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('hospital_id', 'text', (column) => column.notNull())
    .addColumn('recorded_at', 'timestamptz', (column) => column.notNull())
    .addColumn('recorded_by', 'text', (column) => column.notNull())
    .addColumn('replaced_at', 'timestamptz', (column) => column.notNull())
    .addColumn('replaced_by', 'text', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('participant_hospital_id_history_pk', [
      'study_id',
      'participant_id',
      'replaced_seq',
    ])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('participant_hospital_id_history').execute();
}
