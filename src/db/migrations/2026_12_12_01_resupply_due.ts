import type { Kysely } from 'kysely';

// A site's "due for resupply" episode: one row while the site's usable stock (with what is on its way)
// is below a kit type's threshold, removed once it is back at its thresholds. The primary key makes
// the episode's start idempotent: two writes that both find the site due (two dispensings at once)
// open one episode, and its id is the notification's event key, so each person is told once.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('resupply_due')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('episode_id', 'uuid', (column) => column.notNull())
    .addColumn('since', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('resupply_due_pk', ['study_id', 'site_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('resupply_due').execute();
}
