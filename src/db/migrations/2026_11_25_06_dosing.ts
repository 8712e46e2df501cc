import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dosing_administration')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('administration_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('visit_id', 'text', (c) => c.notNull())
    .addColumn('dose_number', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('completed', 'interrupted', 'not-given')`),
    )
    .addColumn('dispensing_id', 'uuid')
    .addColumn('vial_number', 'text')
    .addColumn('device', 'text')
    .addColumn('started_local', 'text')
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_local', 'text')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('volume_ml', 'double precision')
    .addColumn('interruption_reason', 'text')
    .addColumn('not_given_reason', 'text')
    .addColumn('window_reason', 'text')
    .addColumn('bronchospasm', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('new_cough', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('protocol_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('dosing_administration_pk', ['study_id', 'administration_id'])
    .addForeignKeyConstraint(
      'dosing_administration_participant_fk',
      ['study_id', 'participant_id'],
      'participant',
      ['study_id', 'participant_id'],
    )
    .addForeignKeyConstraint(
      'dosing_administration_dispensing_fk',
      ['study_id', 'dispensing_id'],
      'dispensing',
      ['study_id', 'dispensing_id'],
    )
    // A given dose names its dispensed vial; a dose not given names none.
    .addCheckConstraint(
      'dosing_administration_dispensing_given',
      sql`(status = 'not-given') = (dispensing_id is null)`,
    )
    .execute();
  await sql`create unique index dosing_administration_visit on dosing_administration (study_id, participant_id, visit_id)`.execute(
    db,
  );
  // One vial, one administration.
  await sql`create unique index dosing_administration_dispensing on dosing_administration (study_id, dispensing_id) where dispensing_id is not null`.execute(
    db,
  );
  await sql`alter table adverse_event add constraint adverse_event_administration_fk foreign key (study_id, administration_id) references dosing_administration (study_id, administration_id)`.execute(
    db,
  );
}
