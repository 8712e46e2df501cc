import { type Kysely, sql } from 'kysely';

// The coding of a study's verbatim terms. `study_dictionary` names the version a study codes with,
// per dictionary (a study setting the data manager changes, audited). `coding_item` holds one row per
// verbatim to code (an adverse event's term, a concomitant medication's name): its status, the code
// it carries and in which dictionary version, and the code it had before it was sent back to the
// queue (by a changed verbatim or a version switch), so the coder sees it.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('study_dictionary')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('dictionary', 'text', (column) => column.notNull())
    .addColumn('dictionary_version_id', 'text', (column) => column.notNull())
    .addColumn('set_at', 'timestamptz', (column) => column.notNull())
    .addColumn('set_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('study_dictionary_pk', ['study_id', 'dictionary'])
    .execute();

  await db.schema
    .createTable('coding_item')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('coding_id', 'uuid', (column) => column.notNull())
    .addColumn('dictionary', 'text', (column) => column.notNull())
    .addColumn('source_type', 'text', (column) => column.notNull())
    .addColumn('source_id', 'uuid', (column) => column.notNull())
    .addColumn('item_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'uuid', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('verbatim', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('dictionary_version_id', 'text')
    .addColumn('code', 'text')
    .addColumn('method', 'text')
    .addColumn('coded_by', 'text')
    .addColumn('coded_at', 'timestamptz')
    .addColumn('previous', 'jsonb')
    .addColumn('requeue_reason', 'text')
    .addColumn('query_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('coding_item_pk', ['study_id', 'coding_id'])
    .addUniqueConstraint('coding_item_source', ['study_id', 'source_type', 'source_id'])
    .addForeignKeyConstraint('coding_item_participant_fk', ['study_id', 'participant_id'], 'participant', [
      'study_id',
      'participant_id',
    ])
    .addCheckConstraint('coding_item_dictionary', sql`dictionary in ('meddra', 'whodrug')`)
    .addCheckConstraint('coding_item_source_type', sql`source_type in ('adverse_event', 'conmed')`)
    .addCheckConstraint('coding_item_status', sql`status in ('coded', 'queued', 'query')`)
    .addCheckConstraint('coding_item_method', sql`method is null or method in ('auto', 'manual')`)
    .execute();
  await db.schema
    .createIndex('coding_item_queue')
    .on('coding_item')
    .columns(['study_id', 'dictionary', 'status'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('coding_item').execute();
  await db.schema.dropTable('study_dictionary').execute();
}
