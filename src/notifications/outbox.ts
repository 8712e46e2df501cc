import type { Database } from '../db/connection.ts';
import { type Language, type NotificationParams, renderNotification } from './messages.ts';
import { isNotificationKind } from './notification-kinds.ts';

/** How long a server holds a claimed message before another may take it (it crashed mid-send). */
export const LEASE_MS = 5 * 60_000;
/** Tries before a message is given up as failed. */
export const MAX_ATTEMPTS = 6;
const BATCH = 20;

/** Wait before try n + 1 after n failed tries: 1, 2, 4, 8, 16 minutes. */
export const retryDelayMs = (attempts: number) => 60_000 * 2 ** Math.max(0, attempts - 1);

export interface ClaimedMessage {
  deliveryIds: string[];
  userId: string;
  to: string | null;
  language: Language;
  mode: 'immediately' | 'digest';
  attempts: number;
  items: Array<{ title: string; body: string; link: string | null }>;
}

/**
 * Takes the due messages for this server: `FOR UPDATE SKIP LOCKED` lets two servers claim at the same
 * moment without waiting for or taking each other's rows, and the claim (status `sending` with a
 * lease) is committed before anything is sent, so no other server picks it up while it goes out. A
 * lease that ran out (the server died mid-send) makes the message due again. A person's due digest
 * lines become one message.
 */
export async function claimDue(database: Database, studyId: string, now: Date): Promise<ClaimedMessage[]> {
  const claimed = await database.transaction(async (trx) => {
    const due = await trx
      .selectFrom('notification_delivery')
      .select('delivery_id')
      .where('study_id', '=', studyId)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .limit(BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return trx
      .updateTable('notification_delivery')
      .set((eb) => ({
        status: 'sending',
        lease_until: new Date(now.getTime() + LEASE_MS),
        attempts: eb('attempts', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .where(
        'delivery_id',
        'in',
        due.map((row) => row.delivery_id),
      )
      .returning(['delivery_id', 'notification_id', 'user_id', 'mode', 'attempts'])
      .execute();
  });
  if (claimed.length === 0) return [];
  return database.read(async (db) => {
    const rows = await db
      .selectFrom('notification')
      .innerJoin('app_user', (join) =>
        join
          .onRef('app_user.study_id', '=', 'notification.study_id')
          .onRef('app_user.user_id', '=', 'notification.user_id'),
      )
      .select([
        'notification.notification_id',
        'notification.kind',
        'notification.params',
        'notification.link',
        'app_user.email',
        'app_user.language',
        'app_user.status',
      ])
      .where('notification.study_id', '=', studyId)
      .where(
        'notification.notification_id',
        'in',
        claimed.map((row) => row.notification_id),
      )
      .execute();
    const byId = new Map(rows.map((row) => [row.notification_id, row]));
    const messages = new Map<string, ClaimedMessage>();
    for (const delivery of claimed) {
      const row = byId.get(delivery.notification_id);
      // A kind this version no longer knows cannot be written: it is recorded as skipped, not sent.
      if (!row || !isNotificationKind(row.kind)) {
        messages.set(delivery.delivery_id, {
          deliveryIds: [delivery.delivery_id],
          userId: delivery.user_id,
          to: null,
          language: 'en',
          mode: delivery.mode,
          attempts: delivery.attempts,
          items: [],
        });
        continue;
      }
      const key = delivery.mode === 'digest' ? `digest:${delivery.user_id}` : delivery.delivery_id;
      const message = messages.get(key) ?? {
        deliveryIds: [],
        userId: delivery.user_id,
        to: row.status === 'active' ? row.email : null,
        language: row.language,
        mode: delivery.mode,
        attempts: delivery.attempts,
        items: [],
      };
      message.deliveryIds.push(delivery.delivery_id);
      message.attempts = Math.max(message.attempts, delivery.attempts);
      message.items.push({
        ...renderNotification(row.kind, row.params as NotificationParams, row.language),
        link: row.link,
      });
      messages.set(key, message);
    }
    return [...messages.values()];
  });
}

export type Outcome =
  | { status: 'sent'; to: string; response: string }
  | { status: 'skipped'; reason: string }
  | { status: 'error'; error: string; permanent: boolean };

/** Records what became of a claimed message: sent, skipped (and why), or a failure to retry later. */
export async function finish(
  database: Database,
  studyId: string,
  message: ClaimedMessage,
  outcome: Outcome,
  now: Date,
): Promise<void> {
  await database.transaction(async (trx) => {
    const base = trx
      .updateTable('notification_delivery')
      .where('study_id', '=', studyId)
      .where('delivery_id', 'in', message.deliveryIds)
      .where('status', '=', 'sending');
    if (outcome.status === 'sent') {
      await base
        .set({
          status: 'sent',
          sent_at: now,
          to_address: outcome.to,
          outcome: outcome.response,
          lease_until: null,
        })
        .execute();
    } else if (outcome.status === 'skipped') {
      await base.set({ status: 'skipped', outcome: outcome.reason, lease_until: null }).execute();
    } else if (outcome.permanent || message.attempts >= MAX_ATTEMPTS) {
      await base
        .set({
          status: 'failed',
          last_error: outcome.error,
          outcome: outcome.permanent
            ? 'refused by the SMTP server'
            : `gave up after ${message.attempts} tries`,
          lease_until: null,
        })
        .execute();
    } else {
      await base
        .set({
          status: 'pending',
          last_error: outcome.error,
          next_attempt_at: new Date(now.getTime() + retryDelayMs(message.attempts)),
          lease_until: null,
        })
        .execute();
    }
  });
}
