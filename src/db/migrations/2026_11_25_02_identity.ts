import { type Kysely, sql } from 'kysely';

// Frozen in time: written against Kysely<any> so later schema changes never alter this file.
// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  // API tokens for scripts: only the SHA-256 of the secret is kept; the secret is shown once.
  await db.schema
    .createTable('api_token')
    .addColumn('study_id', 'text', (c) => c.notNull().references('study.study_id'))
    .addColumn('token_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_digest', 'text', (c) => c.notNull())
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .addPrimaryKeyConstraint('api_token_pk', ['study_id', 'token_id'])
    .addForeignKeyConstraint('api_token_user_fk', ['study_id', 'user_id'], 'app_user', [
      'study_id',
      'user_id',
    ])
    .execute();
  await sql`create unique index api_token_digest_unique on api_token (study_id, token_digest)`.execute(db);
  await sql`create index api_token_user on api_token (study_id, user_id)`.execute(db);

  // TOTP: the confirmed secret and the one awaiting confirmation, each sealed (AES-256-GCM when a key
  // is configured); the last accepted time step refuses a replayed code.
  await db.schema
    .alterTable('app_user')
    .addColumn('totp_secret', 'text')
    .addColumn('totp_pending_secret', 'text')
    .addColumn('totp_enabled_at', 'timestamptz')
    .addColumn('totp_last_step', 'bigint')
    .addColumn('last_login_at', 'timestamptz')
    .execute();

  await sql`create index user_session_user on user_session (study_id, user_id)`.execute(db);
  await sql`create index audit_event_actor on audit_event (study_id, actor_id)`.execute(db);
  await sql`create index audit_event_action on audit_event (study_id, action)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index audit_event_action`.execute(db);
  await sql`drop index audit_event_actor`.execute(db);
  await sql`drop index user_session_user`.execute(db);
  await db.schema
    .alterTable('app_user')
    .dropColumn('totp_secret')
    .dropColumn('totp_pending_secret')
    .dropColumn('totp_enabled_at')
    .dropColumn('totp_last_step')
    .dropColumn('last_login_at')
    .execute();
  await db.schema.dropTable('api_token').execute();
}
