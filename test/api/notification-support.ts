import pino from 'pino';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { Database } from '../../src/db/connection.ts';
import type { Role } from '../../src/kernel/roles.ts';
import { createMailer } from '../../src/notifications/mailer.ts';
import { type NotificationWorker, notificationWorker } from '../../src/notifications/worker.ts';
import { type SignedIn, signIn, type TestApp } from '../support/test-app.ts';
import { PASSWORD } from '../support/trial-users.ts';

/** An outbox worker for a test app, sending through its configured SMTP server. */
export async function testWorker(database: Database, studyId: string, smtpUrl: string | undefined) {
  const mailer = await createMailer({ smtpUrl, from: 'exotrial <trial@example.org>' });
  return notificationWorker({
    database,
    studyId,
    mailer,
    publicUrl: 'https://trial.example.org',
    logger: pino({ level: 'silent' }),
  });
}

/** Adds a person with one role (at the given sites) and signs them in. */
export async function addPerson(
  t: Pick<TestApp, 'app' | 'database' | 'studyId'>,
  name: string,
  role: Role,
  siteIds: string[],
): Promise<SignedIn> {
  await t.database.transaction((trx) =>
    createUser(trx, t.studyId, systemActor('test'), {
      email: `${name}@example.org`,
      name,
      roles: [role],
      siteIds,
      password: PASSWORD,
    }),
  );
  return signIn(t.app, `${name}@example.org`, PASSWORD);
}

/** The notifications (kind, recipient e-mail, event key) in the database, oldest first. */
export function notificationRows(database: Database, studyId: string) {
  return database.read((db) =>
    db
      .selectFrom('notification')
      .innerJoin('app_user', (join) =>
        join
          .onRef('app_user.study_id', '=', 'notification.study_id')
          .onRef('app_user.user_id', '=', 'notification.user_id'),
      )
      .select([
        'notification.notification_id',
        'notification.kind',
        'notification.event_key',
        'app_user.email',
      ])
      .where('notification.study_id', '=', studyId)
      .orderBy('notification.created_at')
      .execute(),
  );
}

export function deliveryRows(database: Database, studyId: string) {
  return database.read((db) =>
    db
      .selectFrom('notification_delivery')
      .innerJoin('notification', (join) =>
        join
          .onRef('notification.study_id', '=', 'notification_delivery.study_id')
          .onRef('notification.notification_id', '=', 'notification_delivery.notification_id'),
      )
      .selectAll('notification_delivery')
      .select(['notification.kind', 'notification.event_key'])
      .where('notification_delivery.study_id', '=', studyId)
      .execute(),
  );
}

/** Who received a kind, as sorted e-mail addresses, among the rows whose event key contains `about`. */
export const recipientsOf = (
  rows: Array<{ kind: string; email: string; event_key: string }>,
  kind: string,
  about = '',
) =>
  rows
    .filter((row) => row.kind === kind && row.event_key.includes(about))
    .map((row) => row.email)
    .sort();

export type { NotificationWorker };
