import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/connection.ts';
import { DomainError } from '../server/errors.ts';
import type { LoginRequest, SessionView, UserView } from './auth.schema.ts';
import { decoyPasswordHash, verifyPassword } from './password.ts';
import { newSecret, secretDigest } from './tokens.ts';
import { toUserView } from './user.service.ts';

/** A session lives at most this long even when in constant use; re-login after. */
const ABSOLUTE_SESSION_HOURS = 12;

export interface SessionSettings {
  idleMinutes: number;
}

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

export interface AuthenticatedSession {
  user: UserView;
  actor: Actor;
  csrfToken: string;
  sessionId: string;
}

const invalidCredentials = () => new DomainError('unauthenticated', 'The email or password is not correct.');

/**
 * Checks the password and opens a session. A failed attempt is audited with the email tried (never
 * the password). The returned secret goes into the cookie; only its digest is stored.
 */
export async function login(
  database: Database,
  studyId: string,
  request: LoginRequest,
  context: RequestContext,
): Promise<{ secret: string; session: SessionView }> {
  const user = await database.read((db) =>
    db
      .selectFrom('app_user')
      .selectAll()
      .where('study_id', '=', studyId)
      .where((eb) => eb(eb.fn('lower', ['email']), '=', request.email.toLowerCase()))
      .executeTakeFirst(),
  );
  const passwordOk = user
    ? await verifyPassword(user.password_hash, request.password)
    : await verifyPassword(await decoyPasswordHash(), request.password);
  const auditContext = { ip: context.ip, userAgent: context.userAgent, requestId: context.requestId };
  if (!user || !passwordOk || user.status !== 'active') {
    await database.transaction((trx) =>
      recordAudit(
        trx,
        studyId,
        { type: 'anonymous', label: request.email },
        {
          action: 'auth.login_failed',
          entityType: 'user',
          entityId: user?.user_id ?? request.email,
          context: {
            ...auditContext,
            reason: !user ? 'unknown_email' : passwordOk ? 'disabled' : 'bad_password',
          },
        },
      ),
    );
    throw invalidCredentials();
  }
  const secret = newSecret();
  const csrfToken = newSecret();
  const now = new Date();
  const view = toUserView(user);
  await database.transaction(async (trx) => {
    await trx
      .insertInto('user_session')
      .values({
        study_id: studyId,
        session_id: secretDigest(secret),
        user_id: user.user_id,
        csrf_token: csrfToken,
        created_at: now,
        last_seen_at: now,
        expires_at: new Date(now.getTime() + ABSOLUTE_SESSION_HOURS * 3_600_000),
        ip: context.ip,
        user_agent: context.userAgent,
      })
      .execute();
    await recordAudit(
      trx,
      studyId,
      { type: 'user', userId: user.user_id, label: user.email },
      { action: 'auth.login', entityType: 'user', entityId: user.user_id, context: auditContext },
    );
  });
  return { secret, session: { user: view, csrfToken } };
}

/** Resolves a session cookie; an idle, expired or revoked session is no session. */
export async function resolveSession(
  database: Database,
  studyId: string,
  secret: string,
  settings: SessionSettings,
): Promise<AuthenticatedSession | null> {
  const sessionId = secretDigest(secret);
  const now = new Date();
  const idleCutoff = new Date(now.getTime() - settings.idleMinutes * 60_000);
  return database.transaction(async (trx) => {
    const row = await trx
      .selectFrom('user_session as s')
      .innerJoin('app_user as u', (join) =>
        join.onRef('u.study_id', '=', 's.study_id').onRef('u.user_id', '=', 's.user_id'),
      )
      .select([
        's.csrf_token',
        's.last_seen_at',
        'u.user_id',
        'u.email',
        'u.name',
        'u.roles',
        'u.site_ids',
        'u.status',
      ])
      .where('s.study_id', '=', studyId)
      .where('s.session_id', '=', sessionId)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .where('s.last_seen_at', '>', idleCutoff)
      .where('u.status', '=', 'active')
      .executeTakeFirst();
    if (!row) return null;
    // Touch at most once a minute: keeps the idle clock right without a write per request.
    if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000) {
      await trx
        .updateTable('user_session')
        .set({ last_seen_at: now })
        .where('study_id', '=', studyId)
        .where('session_id', '=', sessionId)
        .execute();
    }
    const user = toUserView(row);
    return {
      user,
      actor: { type: 'user', userId: user.userId, label: user.email },
      csrfToken: row.csrf_token,
      sessionId,
    };
  });
}

export async function logout(
  database: Database,
  studyId: string,
  session: AuthenticatedSession,
  context: RequestContext,
): Promise<void> {
  await database.transaction(async (trx) => {
    await trx
      .updateTable('user_session')
      .set({ revoked_at: new Date() })
      .where('study_id', '=', studyId)
      .where('session_id', '=', session.sessionId)
      .execute();
    await recordAudit(trx, studyId, session.actor, {
      action: 'auth.logout',
      entityType: 'user',
      entityId: session.user.userId,
      context: { ip: context.ip, requestId: context.requestId },
    });
  });
}
