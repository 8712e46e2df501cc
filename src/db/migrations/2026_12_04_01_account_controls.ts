import { type Kysely, sql } from 'kysely';

// 21 CFR 11.300: a password only its owner knows. An account whose password an administrator set
// (created or reset) must change it at the next sign-in; the hashes of recent passwords are kept so
// they cannot be chosen again. API tokens now always end: tokens issued without an end get one 90
// days from this migration (the default lifetime), so scripts keep working while their owners
// replace them.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('app_user')
    .addColumn('must_change_password', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('password_changed_at', 'timestamptz')
    .execute();
  await db.schema
    .createTable('password_history')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('replaced_at', 'timestamptz', (c) => c.notNull())
    .addForeignKeyConstraint('password_history_user_fk', ['study_id', 'user_id'], 'app_user', [
      'study_id',
      'user_id',
    ])
    .execute();
  await sql`create index password_history_user on password_history (study_id, user_id, replaced_at)`.execute(
    db,
  );
  await sql`update api_token set expires_at = now() + interval '90 days'
    where expires_at is null and revoked_at is null`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('password_history').execute();
  await db.schema
    .alterTable('app_user')
    .dropColumn('must_change_password')
    .dropColumn('password_changed_at')
    .execute();
}
