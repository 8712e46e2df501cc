import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('study')
    .addColumn('locked_at', 'timestamptz')
    .addColumn('locked_by', 'text')
    .execute();

  // Next screening and study number per site; locked row per increment keeps numbers gapless.
  await db.schema
    .createTable('site_counter')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('screening', 'enrolment')`))
    .addColumn('last_value', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('site_counter_pk', ['study_id', 'site_id', 'kind'])
    .execute();

  await db.schema
    .createTable('participant')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('screening_number', 'text', (c) => c.notNull())
    .addColumn('screening_date', 'date', (c) => c.notNull())
    .addColumn('study_number', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_date', 'date')
    .addColumn('status_reason', 'text')
    .addColumn('failed_criteria', 'jsonb')
    .addColumn('day1_date', 'date')
    .addColumn('enrolled_at', 'timestamptz')
    .addColumn('eligibility_confirmed_at', 'timestamptz')
    .addColumn('eligibility_confirmed_by', 'text')
    .addColumn('locked_at', 'timestamptz')
    .addColumn('locked_by', 'text')
    .addColumn('protocol_version', 'integer', (c) => c.notNull())
    .addColumn('synthetic', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('participant_pk', ['study_id', 'participant_id'])
    .addForeignKeyConstraint('participant_site_fk', ['study_id', 'site_id'], 'site', ['study_id', 'site_id'])
    .execute();
  await sql`create unique index participant_screening_number on participant (study_id, screening_number)`.execute(
    db,
  );
  await sql`create unique index participant_study_number on participant (study_id, study_number)`.execute(db);
  await sql`create index participant_site_status on participant (study_id, site_id, status)`.execute(db);

  await db.schema
    .createTable('consent')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('consent_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('form_version', 'text', (c) => c.notNull())
    .addColumn('consented_at', 'timestamptz', (c) => c.notNull())
    .addColumn('obtained_by', 'text', (c) => c.notNull())
    .addColumn('signer', 'text', (c) =>
      c.notNull().check(sql`signer in ('participant', 'legal_representative')`),
    )
    .addColumn('representative_name', 'text')
    .addColumn('representative_relation', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_pk', ['study_id', 'consent_id'])
    .addForeignKeyConstraint('consent_participant_fk', ['study_id', 'participant_id'], 'participant', [
      'study_id',
      'participant_id',
    ])
    .execute();

  await db.schema
    .createTable('form_record')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('visit_id', 'text', (c) => c.notNull())
    .addColumn('form_id', 'text', (c) => c.notNull())
    .addColumn('instance', 'integer', (c) => c.notNull())
    .addColumn('entries', 'jsonb', (c) => c.notNull())
    .addColumn('protocol_version', 'integer', (c) => c.notNull())
    .addColumn('signed_at', 'timestamptz')
    .addColumn('signed_by', 'text')
    .addColumn('signed_version', 'integer')
    .addColumn('locked_at', 'timestamptz')
    .addColumn('locked_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('form_record_pk', ['study_id', 'record_id'])
    .addForeignKeyConstraint('form_record_participant_fk', ['study_id', 'participant_id'], 'participant', [
      'study_id',
      'participant_id',
    ])
    .execute();
  await sql`create unique index form_record_slot on form_record (study_id, participant_id, visit_id, form_id, instance)`.execute(
    db,
  );

  await db.schema
    .createTable('field_sdv')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('verified_by', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'timestamptz', (c) => c.notNull())
    .addColumn('verified_revision', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('field_sdv_pk', ['study_id', 'record_id', 'item_id'])
    .execute();

  await db.schema
    .createTable('signature')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('signature_id', 'uuid', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('form', 'casebook', 'eligibility')`))
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('record_id', 'uuid')
    .addColumn('signer_id', 'text', (c) => c.notNull())
    .addColumn('signer_name', 'text', (c) => c.notNull())
    .addColumn('meaning', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('signed_state', 'jsonb', (c) => c.notNull())
    .addColumn('broken_at', 'timestamptz')
    .addPrimaryKeyConstraint('signature_pk', ['study_id', 'signature_id'])
    .execute();
  await sql`create index signature_participant on signature (study_id, participant_id)`.execute(db);

  await db.schema
    .createTable('data_query')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('query_id', 'uuid', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('visit_id', 'text', (c) => c.notNull())
    .addColumn('form_id', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('edit_check', 'manual')`))
    .addColumn('check_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'answered', 'closed')`))
    .addColumn('messages', 'jsonb', (c) => c.notNull())
    .addColumn('raised_by', 'text', (c) => c.notNull())
    .addColumn('raised_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('data_query_pk', ['study_id', 'query_id'])
    .execute();
  await sql`create index data_query_status on data_query (study_id, status, site_id)`.execute(db);
  await sql`create index data_query_record on data_query (study_id, record_id)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'data_query',
    'signature',
    'field_sdv',
    'form_record',
    'consent',
    'participant',
    'site_counter',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('study').dropColumn('locked_at').dropColumn('locked_by').execute();
}
