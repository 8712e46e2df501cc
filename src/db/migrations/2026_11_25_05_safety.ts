import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('adverse_event')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('ae_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('ae_number', 'integer', (c) => c.notNull())
    .addColumn('entries', 'jsonb', (c) => c.notNull())
    .addColumn('term_code', 'text')
    .addColumn('administration_id', 'uuid')
    .addColumn('protocol_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('adverse_event_pk', ['study_id', 'ae_id'])
    .addForeignKeyConstraint('adverse_event_participant_fk', ['study_id', 'participant_id'], 'participant', [
      'study_id',
      'participant_id',
    ])
    .execute();
  await sql`create unique index adverse_event_number on adverse_event (study_id, participant_id, ae_number)`.execute(
    db,
  );

  await db.schema
    .createTable('safety_submission')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('submission_id', 'uuid', (c) => c.notNull())
    .addColumn('ae_id', 'uuid', (c) => c.notNull())
    .addColumn('clock_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('initial', 'follow-up')`))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('note', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('payload_sha256', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('safety_submission_pk', ['study_id', 'submission_id'])
    .addForeignKeyConstraint('safety_submission_ae_fk', ['study_id', 'ae_id'], 'adverse_event', [
      'study_id',
      'ae_id',
    ])
    .execute();
  await sql`create index safety_submission_ae on safety_submission (study_id, ae_id)`.execute(db);

  await db.schema
    .createTable('dosing_pause')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('pause_id', 'uuid', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('ae_id', 'uuid')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('trigger', 'jsonb')
    .addColumn('paused_at', 'timestamptz', (c) => c.notNull())
    .addColumn('paused_by', 'text', (c) => c.notNull())
    .addColumn('resumed_at', 'timestamptz')
    .addColumn('resumed_by', 'text')
    .addColumn('resume_reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('dosing_pause_pk', ['study_id', 'pause_id'])
    .execute();
  await sql`create index dosing_pause_open on dosing_pause (study_id) where resumed_at is null`.execute(db);
}
