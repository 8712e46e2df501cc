import { type Kysely, sql } from 'kysely';

// Notifications: one row per recipient (kind and parameters, so each person reads it in their own
// language), the e-mail outbox that the worker sends from (attempts, next attempt, outcome), and each
// person's choice per kind. A user's language decides the language of their notifications.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('app_user')
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en').check(sql`language in ('en', 'zh')`))
    .execute();
  await db.schema
    .createTable('notification')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('site_id', 'text')
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('link', 'text')
    // What the notification is about, once per recipient: a clock's stage is notified once however
    // often (and by however many servers) the scan runs.
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('read_at', 'timestamptz')
    .addPrimaryKeyConstraint('notification_pk', ['study_id', 'notification_id'])
    .addUniqueConstraint('notification_once', ['study_id', 'user_id', 'event_key'])
    .addForeignKeyConstraint('notification_user', ['study_id', 'user_id'], 'app_user', [
      'study_id',
      'user_id',
    ])
    .execute();
  await db.schema
    .createIndex('notification_inbox')
    .on('notification')
    .columns(['study_id', 'user_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('notification_delivery')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('immediately', 'digest')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'sending', 'sent', 'failed', 'skipped')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('lease_until', 'timestamptz')
    .addColumn('to_address', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('outcome', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_delivery_pk', ['study_id', 'delivery_id'])
    .addForeignKeyConstraint(
      'notification_delivery_notification',
      ['study_id', 'notification_id'],
      'notification',
      ['study_id', 'notification_id'],
    )
    .execute();
  await db.schema
    .createIndex('notification_delivery_due')
    .on('notification_delivery')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createTable('notification_preference')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('immediately', 'digest', 'in-app')`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_preference_pk', ['study_id', 'user_id', 'kind'])
    .addForeignKeyConstraint('notification_preference_user', ['study_id', 'user_id'], 'app_user', [
      'study_id',
      'user_id',
    ])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_preference').execute();
  await db.schema.dropTable('notification_delivery').execute();
  await db.schema.dropTable('notification').execute();
  await db.schema.alterTable('app_user').dropColumn('language').execute();
}
