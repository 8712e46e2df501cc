import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import { notFound } from '../kernel/errors.ts';
import type { ActiveSession } from './auth.schema.ts';

/** "Who is logged in": sessions neither revoked, expired nor idle past the limit. */
export async function listActiveSessions(
  db: Db,
  studyId: string,
  idleMinutes: number,
): Promise<ActiveSession[]> {
  const now = new Date();
  const rows = await db
    .selectFrom('user_session as s')
    .innerJoin('app_user as u', (join) =>
      join.onRef('u.study_id', '=', 's.study_id').onRef('u.user_id', '=', 's.user_id'),
    )
    .select([
      's.session_id',
      's.user_id',
      'u.email',
      'u.name',
      's.created_at',
      's.last_seen_at',
      's.expires_at',
      's.ip',
      's.user_agent',
    ])
    .where('s.study_id', '=', studyId)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('s.last_seen_at', '>', new Date(now.getTime() - idleMinutes * 60_000))
    .where('u.status', '=', 'active')
    .orderBy('s.last_seen_at', 'desc')
    .execute();
  return rows.map((row) => ({
    sessionId: row.session_id,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    createdAt: new Date(row.created_at).toISOString(),
    lastSeenAt: new Date(row.last_seen_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
    ip: row.ip,
    userAgent: row.user_agent,
  }));
}

/** Ends one session at once (the person is signed out on their next request). */
export async function revokeSession(
  trx: Tx,
  studyId: string,
  actor: Actor,
  sessionId: string,
): Promise<void> {
  const revoked = await trx
    .updateTable('user_session')
    .set({ revoked_at: new Date() })
    .where('study_id', '=', studyId)
    .where('session_id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst();
  if (!revoked) throw notFound(`An open session ${sessionId.slice(0, 12)}…`);
  await recordAudit(trx, studyId, actor, {
    action: 'session.revoke',
    entityType: 'user',
    entityId: revoked.user_id,
    context: { session: sessionId.slice(0, 12) },
  });
}
