import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/connection.ts';
import { canAccessSite } from '../kernel/permissions.ts';
import { isRole, type Role } from '../kernel/roles.ts';
import { nextDigestTime } from './digest-time.ts';
import type { NotificationParams } from './messages.ts';
import { kindRoles, type NotificationKind, safetyClockKinds } from './notification-kinds.ts';

export interface NotificationEvent {
  kind: NotificationKind;
  /** The site the event belongs to; null for a study-wide event. */
  siteId: string | null;
  params: NotificationParams;
  link: string | null;
  /** What the event is, unique per recipient: the same key is never notified twice to one person. */
  eventKey: string;
  /** Only these of the kind's roles (e.g. a sponsor clock goes to the safety officer alone). */
  roles?: readonly Role[];
  /** Told whatever their sites: the event concerns a site, but its work is done from the depot. */
  everySite?: boolean;
  /** The person whose act caused the event: not told of their own act. */
  exceptUserId?: string;
}

interface Recipient {
  user_id: string;
  roles: string[];
  site_ids: string[];
}

/** The active people of the study whose roles (and sites) the event concerns. */
async function recipientsOf(trx: Tx, studyId: string, event: NotificationEvent): Promise<Recipient[]> {
  const wanted = new Set(event.roles ?? kindRoles[event.kind]);
  const users = await trx
    .selectFrom('app_user')
    .select(['user_id', 'roles', 'site_ids'])
    .where('study_id', '=', studyId)
    .where('status', '=', 'active')
    .orderBy('user_id')
    .execute();
  return users.filter((user) => {
    if (user.user_id === event.exceptUserId) return false;
    const roles = (user.roles as string[]).filter(isRole).filter((role) => wanted.has(role));
    if (roles.length === 0) return false;
    return (
      event.siteId === null ||
      event.everySite === true ||
      canAccessSite({ roles, siteIds: user.site_ids as string[] }, event.siteId)
    );
  });
}

/** 08:00 tomorrow, or today if still to come, in the zone of the event's site (the first site's if none). */
async function nextDigestAt(trx: Tx, studyId: string, siteId: string | null, now: Date): Promise<Date> {
  let query = trx.selectFrom('site').select('time_zone').where('study_id', '=', studyId);
  query = siteId ? query.where('site_id', '=', siteId) : query.orderBy('created_at').limit(1);
  const site = await query.executeTakeFirst();
  return nextDigestTime(now, site?.time_zone ?? 'UTC');
}

/**
 * Creates the event's notifications, and their e-mails in the outbox, in the caller's transaction:
 * if the event rolls back, so do they. A recipient who already has this event key gets nothing new
 * (a clock scan running on two servers at once tells each person once). Returns how many were made.
 */
export async function notify(
  trx: Tx,
  studyId: string,
  event: NotificationEvent,
  now: Date = new Date(),
): Promise<number> {
  const recipients = await recipientsOf(trx, studyId, event);
  if (recipients.length === 0) return 0;
  const created = await trx
    .insertInto('notification')
    .values(
      recipients.map((recipient) => ({
        study_id: studyId,
        notification_id: randomUUID(),
        user_id: recipient.user_id,
        kind: event.kind,
        site_id: event.siteId,
        params: JSON.stringify(event.params),
        link: event.link,
        event_key: event.eventKey,
        created_at: now,
      })),
    )
    .onConflict((conflict) => conflict.columns(['study_id', 'user_id', 'event_key']).doNothing())
    .returning(['notification_id', 'user_id'])
    .execute();
  if (created.length === 0) return 0;
  const choices = await choicesOf(
    trx,
    studyId,
    event.kind,
    created.map((row) => row.user_id),
  );
  const digestAt = [...choices.values()].includes('digest')
    ? await nextDigestAt(trx, studyId, event.siteId, now)
    : now;
  const deliveries = created.flatMap((row) => {
    const mode = choices.get(row.user_id) ?? 'immediately';
    if (mode === 'in-app') return [];
    return [
      {
        study_id: studyId,
        delivery_id: randomUUID(),
        notification_id: row.notification_id,
        user_id: row.user_id,
        mode,
        status: 'pending' as const,
        next_attempt_at: mode === 'digest' ? digestAt : now,
        created_at: now,
      },
    ];
  });
  if (deliveries.length > 0) await trx.insertInto('notification_delivery').values(deliveries).execute();
  return created.length;
}

/** Each person's choice for a kind; the reporting clocks always go out at once. */
async function choicesOf(
  trx: Tx,
  studyId: string,
  kind: NotificationKind,
  userIds: string[],
): Promise<Map<string, 'immediately' | 'digest' | 'in-app'>> {
  if (safetyClockKinds.has(kind)) return new Map();
  const rows = await trx
    .selectFrom('notification_preference')
    .select(['user_id', 'mode'])
    .where('study_id', '=', studyId)
    .where('kind', '=', kind)
    .where('user_id', 'in', userIds)
    .execute();
  return new Map(rows.map((row) => [row.user_id, row.mode]));
}
