import { type Kysely, sql } from 'kysely';

// The deviation log (ICH E3 §10.2, E6 §4.5.3): each departure from the protocol, proposed by the
// system when a visit's form or a dose falls outside its window, or entered by hand; confirmed or
// rejected by an investigator or monitor. `source_key` names what proposed a deviation (a form
// record, a dose record), so a second save outside the same window does not propose it twice.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('protocol_deviation')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('deviation_id', 'text', (column) => column.notNull())
    .addColumn('participant_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('visit_id', 'text')
    .addColumn('form_id', 'text')
    .addColumn('source_key', 'text')
    .addColumn('category', 'text', (column) => column.notNull())
    .addColumn('severity', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('corrective_action', 'text')
    .addColumn('occurred_on', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('reported_by', 'text', (column) => column.notNull())
    .addColumn('reported_by_name', 'text', (column) => column.notNull())
    .addColumn('reported_at', 'timestamptz', (column) => column.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_by_name', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decision_reason', 'text')
    .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('protocol_deviation_pk', ['study_id', 'deviation_id'])
    .addCheckConstraint('protocol_deviation_severity', sql`severity in ('major', 'minor')`)
    .addCheckConstraint('protocol_deviation_status', sql`status in ('proposed', 'confirmed', 'rejected')`)
    .execute();
  await db.schema
    .createIndex('protocol_deviation_participant')
    .on('protocol_deviation')
    .columns(['study_id', 'participant_id'])
    .execute();
  await db.schema
    .createIndex('protocol_deviation_site')
    .on('protocol_deviation')
    .columns(['study_id', 'site_id', 'status'])
    .execute();
  await db.schema
    .createIndex('protocol_deviation_source')
    .on('protocol_deviation')
    .columns(['study_id', 'source_key'])
    .unique()
    .where(sql.ref('source_key'), 'is not', null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('protocol_deviation').execute();
}
