import type { Actor, AuditInput } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Config } from '../config.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import { DomainError } from '../kernel/errors.ts';
import type { LoginRequest, SessionView, UserView } from './auth.schema.ts';
import { AUTHENTICATED_USER_COLUMNS, authenticatedSession, lastUseIsStale } from './authenticated-user.ts';
import { decoyPasswordHash, verifyPassword } from './password.ts';
import { newSecret, secretDigest } from './tokens.ts';
import { adminTotpRequired, checkTotp } from './totp.service.ts';
import { toUserView } from './user.service.ts';

/** A session lives at most this long even when in constant use; re-login after. */
const ABSOLUTE_SESSION_HOURS = 12;

export interface AuthSettings {
  idleMinutes: number;
  lockout: { attempts: number; minutes: number };
  adminTotpRequired: boolean;
  secretKey: Buffer | undefined;
}

export const authSettings = (config: Config): AuthSettings => ({
  idleMinutes: config.sessionIdleMinutes,
  lockout: config.lockout,
  adminTotpRequired: config.adminTotpRequired,
  secretKey: config.secretKey,
});

export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

/** Who is calling: a browser session (cookie + CSRF) or a script (bearer API token). */
export interface AuthenticatedSession {
  user: UserView;
  actor: Actor;
  via: 'session' | 'token';
  /** Empty for bearer tokens, which need no CSRF token. */
  csrfToken: string;
  sessionId: string | null;
  tokenId: string | null;
  /** An administrator who must set up TOTP before doing anything else. */
  totpEnrolmentRequired: boolean;
  totpEnabled: boolean;
  /** An administrator chose this user's password: they must change it before anything else. */
  passwordChangeRequired: boolean;
}

/**
 * The one answer to every failed sign-in: a wrong password, an unknown, locked or disabled account
 * look the same (status, code, message), so the answer does not tell which accounts exist or are
 * locked. The audit event records the true reason.
 */
const signInRefused = () =>
  new DomainError(
    'unauthenticated',
    'The email or password is not correct, or the account is locked after too many failed attempts; ' +
      'ask an administrator if this persists.',
  );

type FailureReason = 'unknown_email' | 'bad_password' | 'disabled' | 'locked' | 'bad_totp';

/**
 * Checks the password (and the TOTP code when the user has one) and opens a new session; a session
 * cookie sent along is ended (rotation). Failures are audited with the email tried, never the
 * password; after `lockout.attempts` failures in a row the account is locked for `lockout.minutes`.
 */
export async function login(
  database: Database,
  studyId: string,
  request: LoginRequest,
  context: RequestContext,
  settings: AuthSettings,
  previousSecret?: string,
): Promise<{ secret: string; session: SessionView }> {
  const user = await database.read((db) =>
    db
      .selectFrom('app_user')
      .selectAll()
      .where('study_id', '=', studyId)
      .where((eb) => eb(eb.fn('lower', ['email']), '=', request.email.toLowerCase()))
      .executeTakeFirst(),
  );
  const auditContext = { ip: context.ip, userAgent: context.userAgent, requestId: context.requestId };
  const now = new Date();
  const fail = async (reason: FailureReason, count: boolean): Promise<never> => {
    await database.transaction(async (trx) => {
      const until =
        user && count ? await countFailure(trx, studyId, user.user_id, settings.lockout, now) : null;
      await recordAudit(trx, studyId, { type: 'anonymous', label: request.email }, [
        {
          action: 'auth.login_failed',
          entityType: 'user',
          entityId: user?.user_id ?? request.email,
          context: { ...auditContext, reason },
        },
        ...(until && user ? [lockoutEvent(user.user_id, until, auditContext)] : []),
      ]);
    });
    throw signInRefused();
  };

  // One argon2 verification in every branch (a decoy hash for an unknown email, the real one even
  // when locked), so the time taken tells nothing either.
  const passwordOk = user
    ? await verifyPassword(user.password_hash, request.password)
    : await verifyPassword(await decoyPasswordHash(), request.password);
  if (!user) return fail('unknown_email', false);
  if (user.locked_until && new Date(user.locked_until) > now) return fail('locked', false);
  if (!passwordOk) return fail('bad_password', true);
  if (user.status !== 'active') return fail('disabled', false);

  let totpStep: number | null = null;
  if (user.totp_secret) {
    if (!request.totp) {
      throw new DomainError('unauthenticated', 'Enter the 6-digit code from your authenticator app.', {
        totpRequired: true,
      });
    }
    totpStep = await checkTotp(user.totp_secret, request.totp, user.totp_last_step, settings.secretKey);
    if (totpStep === null) return fail('bad_totp', true);
  }

  const secret = newSecret();
  const csrfToken = newSecret();
  const view = toUserView(user);
  const totpEnrolmentRequired = await database.transaction(async (trx) => {
    if (previousSecret) {
      await trx
        .updateTable('user_session')
        .set({ revoked_at: now })
        .where('study_id', '=', studyId)
        .where('session_id', '=', secretDigest(previousSecret))
        .where('revoked_at', 'is', null)
        .execute();
    }
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
    await trx
      .updateTable('app_user')
      .set({
        failed_login_count: 0,
        locked_until: null,
        last_login_at: now,
        ...(totpStep === null ? {} : { totp_last_step: totpStep }),
      })
      .where('study_id', '=', studyId)
      .where('user_id', '=', user.user_id)
      .execute();
    await recordAudit(
      trx,
      studyId,
      { type: 'user', userId: user.user_id, label: user.email },
      {
        action: 'auth.login',
        entityType: 'user',
        entityId: user.user_id,
        context: { ...auditContext, secondFactor: totpStep !== null },
      },
    );
    return mustEnrolTotp(trx, studyId, view, user.totp_secret !== null, settings);
  });
  return {
    secret,
    session: {
      user: view,
      csrfToken,
      totpEnabled: user.totp_secret !== null,
      totpEnrolmentRequired,
      passwordChangeRequired: user.must_change_password,
    },
  };
}

/**
 * Adds a failure (of a sign-in or of a password re-entered at a signature: one counter for both);
 * returns the lock's end when this failure locks the account.
 */
export async function countFailure(
  trx: Tx,
  studyId: string,
  userId: string,
  lockout: AuthSettings['lockout'],
  now: Date,
): Promise<Date | null> {
  const row = await trx
    .updateTable('app_user')
    .set((eb) => ({ failed_login_count: eb('failed_login_count', '+', 1) }))
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .returning('failed_login_count')
    .executeTakeFirst();
  if (!row || row.failed_login_count < lockout.attempts) return null;
  const until = new Date(now.getTime() + lockout.minutes * 60_000);
  await trx
    .updateTable('app_user')
    .set({ failed_login_count: 0, locked_until: until })
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .execute();
  return until;
}

/** The audit event of an account being locked, written with the failure that locked it. */
export const lockoutEvent = (userId: string, until: Date, context: Record<string, unknown>): AuditInput => ({
  action: 'auth.lockout',
  entityType: 'user',
  entityId: userId,
  field: 'locked_until',
  newValue: until.toISOString(),
  context,
});

async function mustEnrolTotp(
  db: Db,
  studyId: string,
  user: UserView,
  totpEnabled: boolean,
  settings: AuthSettings,
): Promise<boolean> {
  if (totpEnabled || !user.roles.includes('administrator')) return false;
  return adminTotpRequired(db, studyId, settings.adminTotpRequired);
}

/** Resolves a session cookie; an idle, expired or revoked session, or a disabled user's, is no session. */
export async function resolveSession(
  database: Database,
  studyId: string,
  secret: string,
  settings: AuthSettings,
): Promise<AuthenticatedSession | null> {
  const sessionId = secretDigest(secret);
  const now = new Date();
  const idleCutoff = new Date(now.getTime() - settings.idleMinutes * 60_000);
  // A read, not a transaction: most requests only look the session up. The last-use mark, written
  // at most once a minute, is its own one-statement transaction after the look-up.
  const session = await database.read(async (db) => {
    const row = await db
      .selectFrom('user_session as s')
      .innerJoin('app_user as u', (join) =>
        join.onRef('u.study_id', '=', 's.study_id').onRef('u.user_id', '=', 's.user_id'),
      )
      .select(['s.csrf_token', 's.last_seen_at', ...AUTHENTICATED_USER_COLUMNS])
      .where('s.study_id', '=', studyId)
      .where('s.session_id', '=', sessionId)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', now)
      .where('s.last_seen_at', '>', idleCutoff)
      .where('u.status', '=', 'active')
      .executeTakeFirst();
    if (!row) return null;
    const resolved = await authenticatedSession(row, {
      via: 'session',
      csrfToken: row.csrf_token,
      sessionId,
      tokenId: null,
      actorLabel: (email) => email,
      totpEnrolmentRequired: (user, totpEnabled) => mustEnrolTotp(db, studyId, user, totpEnabled, settings),
    });
    return { resolved, stale: lastUseIsStale(row.last_seen_at, now) };
  });
  if (!session) return null;
  if (session.stale) {
    await database.transaction((trx) =>
      trx
        .updateTable('user_session')
        .set({ last_seen_at: now })
        .where('study_id', '=', studyId)
        .where('session_id', '=', sessionId)
        .execute(),
    );
  }
  return session.resolved;
}

export async function logout(
  database: Database,
  studyId: string,
  session: AuthenticatedSession,
  context: RequestContext,
): Promise<void> {
  if (!session.sessionId) {
    throw new DomainError(
      'bad_request',
      'An API token has no session to end: revoke the token with DELETE /api/v1/tokens/{tokenId}.',
    );
  }
  const sessionId = session.sessionId;
  await database.transaction(async (trx) => {
    await trx
      .updateTable('user_session')
      .set({ revoked_at: new Date() })
      .where('study_id', '=', studyId)
      .where('session_id', '=', sessionId)
      .execute();
    await recordAudit(trx, studyId, session.actor, {
      action: 'auth.logout',
      entityType: 'user',
      entityId: session.user.userId,
      context: { ip: context.ip, requestId: context.requestId },
    });
  });
}

/** Ends every open session of a user (all browsers); returns how many were open. */
export async function revokeUserSessions(
  trx: Tx,
  studyId: string,
  actor: Actor,
  userId: string,
  action: 'auth.logout_everywhere' | 'session.revoke_all',
): Promise<number> {
  const user = await trx
    .selectFrom('app_user')
    .select('user_id')
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!user) throw new DomainError('not_found', `User ${userId} was not found.`);
  const ended = await trx
    .updateTable('user_session')
    .set({ revoked_at: new Date() })
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('session_id')
    .execute();
  await recordAudit(trx, studyId, actor, {
    action,
    entityType: 'user',
    entityId: userId,
    context: { sessionsEnded: ended.length },
  });
  return ended.length;
}
