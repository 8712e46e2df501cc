import type { Kysely } from 'kysely';

// Unblinding (ICH E9 §2.3.2): the study's, once, at database lock; and a participant's in an
// emergency, by the site's investigator with a reason, each time recorded (a participant may be
// unblinded more than once, by different people: every record stays).

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('study_unblinding')
    .addColumn('study_id', 'text', (column) => column.primaryKey())
    .addColumn('unblinded_by', 'text', (column) => column.notNull())
    .addColumn('unblinded_by_name', 'text', (column) => column.notNull())
    .addColumn('unblinded_at', 'timestamptz', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('participant_unblinding')
    .addColumn('unblinding_id', 'uuid', (column) => column.primaryKey())
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'uuid', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('unblinded_by', 'text', (column) => column.notNull())
    .addColumn('unblinded_by_name', 'text', (column) => column.notNull())
    .addColumn('unblinded_at', 'timestamptz', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('participant_unblinding_participant')
    .on('participant_unblinding')
    .columns(['study_id', 'participant_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('participant_unblinding').execute();
  await db.schema.dropTable('study_unblinding').execute();
}
