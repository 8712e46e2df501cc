import { type Kysely, sql } from 'kysely';

// Frozen in time: written against Kysely<any> so later schema changes never alter this file.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('study')
    .addColumn('study_id', 'text', (c) => c.primaryKey())
    .addColumn('short_title', 'text', (c) => c.notNull())
    .addColumn('title', 'jsonb', (c) => c.notNull())
    .addColumn('registry_id', 'text')
    .addColumn('current_protocol_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('site')
    .addColumn('study_id', 'text', (c) => c.notNull().references('study.study_id'))
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'jsonb', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('site_pk', ['study_id', 'site_id'])
    .execute();

  await db.schema
    .createTable('protocol_version')
    .addColumn('study_id', 'text', (c) => c.notNull().references('study.study_id'))
    .addColumn('version_no', 'integer', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('loaded_by', 'text')
    .addPrimaryKeyConstraint('protocol_version_pk', ['study_id', 'version_no'])
    .execute();

  await db.schema
    .createTable('app_user')
    .addColumn('study_id', 'text', (c) => c.notNull().references('study.study_id'))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('roles', 'jsonb', (c) => c.notNull())
    .addColumn('site_ids', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'disabled')`))
    .addColumn('failed_login_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('app_user_pk', ['study_id', 'user_id'])
    .execute();
  await sql`create unique index app_user_email_unique on app_user (study_id, lower(email))`.execute(db);

  await db.schema
    .createTable('user_session')
    .addColumn('study_id', 'text', (c) => c.notNull().references('study.study_id'))
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addPrimaryKeyConstraint('user_session_pk', ['study_id', 'session_id'])
    .addForeignKeyConstraint('user_session_user_fk', ['study_id', 'user_id'], 'app_user', [
      'study_id',
      'user_id',
    ])
    .execute();

  await db.schema
    .createTable('setup_token')
    .addColumn('study_id', 'text', (c) => c.notNull().references('study.study_id'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addPrimaryKeyConstraint('setup_token_pk', ['study_id', 'token_hash'])
    .execute();

  await db.schema
    .createTable('audit_event')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('field', 'text')
    .addColumn('old_value', 'jsonb')
    .addColumn('new_value', 'jsonb')
    .addColumn('reason', 'text')
    .addColumn('context', 'jsonb')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_event_pk', ['study_id', 'seq'])
    .execute();
  await sql`create index audit_event_entity on audit_event (study_id, entity_type, entity_id)`.execute(db);

  await db.schema
    .createTable('audit_chain_head')
    .addColumn('study_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  // The trail is append-only for everyone, the application's own role included: only a person who
  // disables this trigger can change history, and the hash chain then shows where.
  await sql`
    create function audit_event_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_event is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`
    create trigger audit_event_append_only before update or delete on audit_event
    for each row execute function audit_event_refuse_change()`.execute(db);
  await sql`
    create trigger audit_event_no_truncate before truncate on audit_event
    for each statement execute function audit_event_refuse_change()`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_chain_head',
    'audit_event',
    'setup_token',
    'user_session',
    'app_user',
    'protocol_version',
    'site',
    'study',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await sql`drop function audit_event_refuse_change`.execute(db);
}
