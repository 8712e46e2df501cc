import { type Kysely, sql } from 'kysely';

// Laboratory flags and graded laboratory adverse events. `lab_flag` holds, for each laboratory value of
// a form record, its flag against the reference range in force when it was saved (with the range's
// bounds, as SDTM LB reports them) and the investigator's judgement of an out-of-range value; a new
// revision of the value replaces the row and clears the judgement, which was about the old value.
// `lab_ae_proposal` holds each CTCAE grade a value reached worse than baseline, until the
// investigator accepts it (an adverse event is created) or dismisses it with a reason.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lab_flag')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('record_id', 'text', (column) => column.notNull())
    .addColumn('item_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('visit_id', 'text', (column) => column.notNull())
    .addColumn('item_key', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('collected_on', 'text')
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addColumn('unit', 'text', (column) => column.notNull())
    .addColumn('original_value', 'double precision')
    .addColumn('original_unit', 'text')
    .addColumn('flag', 'text')
    .addColumn('range_id', 'text')
    .addColumn('range_unit', 'text')
    .addColumn('range_low', 'double precision')
    .addColumn('range_high', 'double precision')
    .addColumn('standard_low', 'double precision')
    .addColumn('standard_high', 'double precision')
    .addColumn('significant', 'boolean')
    .addColumn('significance_by', 'text')
    .addColumn('significance_by_name', 'text')
    .addColumn('significance_at', 'timestamptz')
    .addColumn('significance_comment', 'text')
    .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('lab_flag_pk', ['study_id', 'record_id', 'item_id'])
    .addCheckConstraint('lab_flag_flag', sql`flag is null or flag in ('low', 'normal', 'high')`)
    .execute();
  await db.schema
    .createIndex('lab_flag_participant')
    .on('lab_flag')
    .columns(['study_id', 'participant_id'])
    .execute();
  await db.schema
    .createTable('lab_ae_proposal')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('proposal_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('record_id', 'text', (column) => column.notNull())
    .addColumn('visit_id', 'text', (column) => column.notNull())
    .addColumn('item_key', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('criterion', 'text', (column) => column.notNull())
    .addColumn('term', 'text', (column) => column.notNull())
    .addColumn('grade', 'integer', (column) => column.notNull())
    .addColumn('baseline_grade', 'integer', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addColumn('unit', 'text', (column) => column.notNull())
    .addColumn('baseline_value', 'double precision')
    .addColumn('collected_on', 'text')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('adverse_event_id', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_by_name', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('reason', 'text')
    .addColumn('proposed_at', 'timestamptz', (column) => column.notNull())
    .addPrimaryKeyConstraint('lab_ae_proposal_pk', ['study_id', 'proposal_id'])
    .addCheckConstraint('lab_ae_proposal_status', sql`status in ('proposed', 'accepted', 'dismissed')`)
    .addCheckConstraint('lab_ae_proposal_grade', sql`grade between 1 and 5`)
    .execute();
  // One proposal per value revision and criterion: saving the same value again proposes nothing new.
  await db.schema
    .createIndex('lab_ae_proposal_source')
    .on('lab_ae_proposal')
    .columns(['study_id', 'record_id', 'item_key', 'revision', 'criterion'])
    .unique()
    .execute();
  await db.schema
    .createIndex('lab_ae_proposal_participant')
    .on('lab_ae_proposal')
    .columns(['study_id', 'participant_id', 'status'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lab_ae_proposal').execute();
  await db.schema.dropTable('lab_flag').execute();
}
