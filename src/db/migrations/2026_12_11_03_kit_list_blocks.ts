import { type Kysely, sql } from 'kysely';

// A sealed kit list grows by sealed blocks when kits run out: each block has its own seed and hash
// (chained to the block before), numbers that never repeat one listed before, and sequences that go on
// from the last. The first list is block 0; a block, once written, never changes.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('kit_list_entry')
    .addColumn('block', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('kit_list_block')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('block', 'integer', (column) => column.notNull())
    .addColumn('seed', 'integer', (column) => column.notNull())
    .addColumn('design', 'jsonb', (column) => column.notNull())
    .addColumn('list_hash', 'text', (column) => column.notNull())
    .addColumn('kit_count', 'integer', (column) => column.notNull())
    .addColumn('sealed_by', 'text', (column) => column.notNull())
    .addColumn('sealed_by_name', 'text', (column) => column.notNull())
    .addColumn('sealed_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('kit_list_block_pk', ['study_id', 'block'])
    .addCheckConstraint('kit_list_block_after_first', sql`block >= 1`)
    .execute();
  await sql`
    create function kit_list_block_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'kit_list_block is unchangeable once sealed: % refused', tg_op
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`
    create trigger kit_list_block_unchanged before update or delete on kit_list_block
    for each row execute function kit_list_block_refuse_change()`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('kit_list_block').execute();
  await sql`drop function kit_list_block_refuse_change()`.execute(db);
  await db.schema.alterTable('kit_list_entry').dropColumn('block').execute();
}
