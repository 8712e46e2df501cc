import { type Kysely, sql } from 'kysely';

// Laboratory messages from hospital systems (HL7 v2 ORU^R01, FHIR R4 bundles) and their results.
// `lab_message` keeps every message exactly as received, with where it came from and when; a message
// control id is taken once, so a re-delivered message is recognised and not applied twice.
// `lab_result` holds each result of a message: written to a form (with the record and item), or
// waiting in the review queue with the reason, until a user assigns or dismisses it. A collection
// time is kept as the sender gave it: local time, with its UTC offset when given.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lab_message')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('control_id', 'text')
    .addColumn('format', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('raw', 'text', (column) => column.notNull())
    .addColumn('received_at', 'timestamptz', (column) => column.notNull())
    .addColumn('received_by', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('lab_message_pk', ['study_id', 'message_id'])
    .addCheckConstraint('lab_message_format', sql`format in ('hl7v2', 'fhir')`)
    .addCheckConstraint('lab_message_source', sql`source in ('mllp', 'file', 'api')`)
    .addCheckConstraint('lab_message_status', sql`status in ('accepted', 'rejected')`)
    .execute();
  await db.schema
    .createIndex('lab_message_control_id')
    .on('lab_message')
    .columns(['study_id', 'format', 'control_id'])
    .where('control_id', 'is not', null)
    .where(sql.ref('status'), '=', 'accepted')
    .unique()
    .execute();
  await db.schema
    .createTable('lab_result')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('result_id', 'text', (column) => column.notNull())
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('seq', 'integer', (column) => column.notNull())
    .addColumn('hospital_id', 'text')
    .addColumn('loinc', 'text', (column) => column.notNull())
    .addColumn('test_name', 'text')
    .addColumn('value', 'text', (column) => column.notNull())
    .addColumn('unit', 'text')
    .addColumn('collected_at', 'text')
    .addColumn('participant_id', 'uuid')
    .addColumn('site_id', 'text')
    .addColumn('visit_key', 'text')
    .addColumn('form_id', 'text')
    .addColumn('item_id', 'text')
    .addColumn('instance', 'integer')
    .addColumn('record_id', 'uuid')
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('problem', 'text')
    .addColumn('problem_text', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_by_name', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decision_reason', 'text')
    .addPrimaryKeyConstraint('lab_result_pk', ['study_id', 'result_id'])
    .addCheckConstraint('lab_result_status', sql`status in ('written', 'review', 'assigned', 'dismissed')`)
    .execute();
  await db.schema.createIndex('lab_result_status').on('lab_result').columns(['study_id', 'status']).execute();
  await db.schema
    .createIndex('lab_result_message')
    .on('lab_result')
    .columns(['study_id', 'message_id', 'seq'])
    .unique()
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lab_result').execute();
  await db.schema.dropTable('lab_message').execute();
}
