import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { notFound, validationFailed } from '../kernel/errors.ts';
import { type NotificationParams, renderBoth } from './messages.ts';
import type {
  Inbox,
  NotificationPreferences,
  NotificationView,
  PreferencesUpdate,
} from './notification.schema.ts';
import { isNotificationKind, notificationKinds, safetyClockKinds } from './notification-kinds.ts';

// A person's own inbox and choices: every call reads or changes the caller's rows only.

async function unreadCount(db: Db, studyId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notification')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function countUnread(db: Db, studyId: string, caller: Caller): Promise<{ unread: number }> {
  return { unread: await unreadCount(db, studyId, caller.user.userId) };
}

export async function listInbox(
  db: Db,
  studyId: string,
  caller: Caller,
  filter: { unread?: 'true' | 'false'; limit: number; offset: number },
): Promise<Inbox> {
  const userId = caller.user.userId;
  let query = db
    .selectFrom('notification')
    .where('notification.study_id', '=', studyId)
    .where('notification.user_id', '=', userId);
  if (filter.unread === 'true') query = query.where('read_at', 'is', null);
  if (filter.unread === 'false') query = query.where('read_at', 'is not', null);
  const total = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
  const rows = await query
    .leftJoin('notification_delivery', (join) =>
      join
        .onRef('notification_delivery.study_id', '=', 'notification.study_id')
        .onRef('notification_delivery.notification_id', '=', 'notification.notification_id'),
    )
    .select([
      'notification.notification_id',
      'notification.kind',
      'notification.site_id',
      'notification.params',
      'notification.link',
      'notification.created_at',
      'notification.read_at',
      'notification_delivery.status',
    ])
    .orderBy('notification.created_at', 'desc')
    .orderBy('notification.notification_id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  const items = rows.flatMap((row): NotificationView[] => {
    if (!isNotificationKind(row.kind)) return [];
    return [
      {
        notificationId: row.notification_id,
        kind: row.kind,
        siteId: row.site_id,
        ...renderBoth(row.kind, row.params as NotificationParams),
        link: row.link,
        createdAt: new Date(row.created_at).toISOString(),
        readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
        email: row.status ?? 'none',
      },
    ];
  });
  return { items, total: Number(total?.count ?? 0), unread: await unreadCount(db, studyId, userId) };
}

/** Marks one of the caller's notifications read (again is fine); someone else's is not found. */
export async function markRead(
  database: Database,
  studyId: string,
  caller: Caller,
  notificationId: string,
  now: Date,
): Promise<{ marked: number; unread: number }> {
  return database.transaction(async (trx) => {
    const row = await trx
      .selectFrom('notification')
      .select(['read_at'])
      .where('study_id', '=', studyId)
      .where('user_id', '=', caller.user.userId)
      .where('notification_id', '=', notificationId)
      .executeTakeFirst();
    if (!row) throw notFound(`Notification ${notificationId}`);
    const marked = row.read_at ? 0 : 1;
    if (marked) {
      await trx
        .updateTable('notification')
        .set({ read_at: now })
        .where('study_id', '=', studyId)
        .where('notification_id', '=', notificationId)
        .execute();
    }
    return { marked, unread: await unreadCount(trx, studyId, caller.user.userId) };
  });
}

export async function markAllRead(
  database: Database,
  studyId: string,
  caller: Caller,
  now: Date,
): Promise<{ marked: number; unread: number }> {
  return database.transaction(async (trx) => {
    const result = await trx
      .updateTable('notification')
      .set({ read_at: now })
      .where('study_id', '=', studyId)
      .where('user_id', '=', caller.user.userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return { marked: Number(result.numUpdatedRows), unread: 0 };
  });
}

export async function getPreferences(
  db: Db,
  studyId: string,
  caller: Caller,
  emailConfigured: boolean,
): Promise<NotificationPreferences> {
  const user = await db
    .selectFrom('app_user')
    .select('language')
    .where('study_id', '=', studyId)
    .where('user_id', '=', caller.user.userId)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('notification_preference')
    .select(['kind', 'mode'])
    .where('study_id', '=', studyId)
    .where('user_id', '=', caller.user.userId)
    .execute();
  const chosen = new Map(rows.map((row) => [row.kind, row.mode]));
  return {
    language: user.language,
    emailConfigured,
    kinds: notificationKinds.map((kind) => {
      const locked = safetyClockKinds.has(kind);
      return { kind, mode: locked ? 'immediately' : (chosen.get(kind) ?? 'immediately'), locked };
    }),
  };
}

/**
 * Saves the caller's language and choices. A reporting clock cannot be moved off immediate e-mail:
 * asking for it is refused (400, naming the kinds) and nothing is saved.
 */
export async function updatePreferences(
  database: Database,
  studyId: string,
  caller: Caller,
  update: PreferencesUpdate,
  emailConfigured: boolean,
  now: Date,
): Promise<NotificationPreferences> {
  const choices = Object.entries(update.kinds ?? {}).filter(
    (entry): entry is [(typeof notificationKinds)[number], 'immediately' | 'digest' | 'in-app'] =>
      entry[1] !== undefined && isNotificationKind(entry[0]),
  );
  const refused = choices.filter(([kind, mode]) => safetyClockKinds.has(kind) && mode !== 'immediately');
  if (refused.length > 0) {
    throw validationFailed(
      refused.map(([kind]) => ({
        field: `kinds.${kind}`,
        message: `${kind} is a safety reporting clock: it always goes out by e-mail at once and cannot be changed.`,
      })),
      'Reporting clocks cannot be switched off or delayed; nothing was saved.',
    );
  }
  return database.transaction(async (trx) => {
    if (update.language) {
      await trx
        .updateTable('app_user')
        .set({ language: update.language })
        .where('study_id', '=', studyId)
        .where('user_id', '=', caller.user.userId)
        .execute();
    }
    for (const [kind, mode] of choices) {
      if (safetyClockKinds.has(kind)) continue;
      await trx
        .insertInto('notification_preference')
        .values({ study_id: studyId, user_id: caller.user.userId, kind, mode, updated_at: now })
        .onConflict((conflict) =>
          conflict.columns(['study_id', 'user_id', 'kind']).doUpdateSet({ mode, updated_at: now }),
        )
        .execute();
    }
    return getPreferences(trx, studyId, caller, emailConfigured);
  });
}
