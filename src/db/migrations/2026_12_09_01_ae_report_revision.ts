import { type Kysely, sql } from 'kysely';

// The investigator's part of an expedited report: the narrative (drafted from the data, then edited)
// and the dechallenge and rechallenge answers where the data cannot tell them. Every save is a new
// revision; earlier revisions are kept, so each edit of a narrative can be read back as it was.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ae_report_revision')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('ae_id', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('narrative', 'text', (column) => column.notNull())
    .addColumn('dechallenge', 'text')
    .addColumn('rechallenge', 'text')
    .addColumn('reason', 'text')
    .addColumn('saved_at', 'timestamptz', (column) => column.notNull())
    .addColumn('saved_by', 'text', (column) => column.notNull())
    .addColumn('saved_by_name', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('ae_report_revision_pk', ['study_id', 'ae_id', 'revision'])
    .addCheckConstraint(
      'ae_report_revision_challenge',
      sql`coalesce(dechallenge, 'yes') in ('yes', 'no', 'not-applicable') and coalesce(rechallenge, 'yes') in ('yes', 'no', 'not-applicable')`,
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ae_report_revision').execute();
}
