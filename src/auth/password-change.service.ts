import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Tx } from '../db/connection.ts';
import { notFound, validationFailed } from '../kernel/errors.ts';
import { revokeUserTokens } from './api-token.service.ts';
import type { PasswordChange } from './auth.schema.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';
import { confirmOwnPassword } from './password-check.ts';
import type { AuthenticatedSession, AuthSettings, RequestContext } from './session.service.ts';

export interface PasswordSettings extends AuthSettings {
  /** A new password must differ from this many recent ones, the current one included. */
  passwordHistory: number;
}

/**
 * Keeps the hash of a password being replaced, so it cannot be chosen again, and forgets those older
 * than the `depth` - 1 most recent (with the current password, `depth` are remembered).
 */
export async function rememberPassword(
  trx: Tx,
  studyId: string,
  userId: string,
  passwordHash: string,
  depth: number,
  now: Date,
): Promise<void> {
  await trx
    .insertInto('password_history')
    .values({ study_id: studyId, user_id: userId, password_hash: passwordHash, replaced_at: now })
    .execute();
  const kept = await trx
    .selectFrom('password_history')
    .select('password_hash')
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .orderBy('replaced_at', 'desc')
    .execute();
  const forgotten = kept.slice(Math.max(depth - 1, 0)).map((row) => row.password_hash);
  if (forgotten.length === 0) return;
  await trx
    .deleteFrom('password_history')
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .where('password_hash', 'in', forgotten)
    .execute();
}

async function usedRecently(
  trx: Tx,
  studyId: string,
  userId: string,
  currentHash: string,
  password: string,
  depth: number,
): Promise<boolean> {
  const earlier = await trx
    .selectFrom('password_history')
    .select('password_hash')
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .orderBy('replaced_at', 'desc')
    .limit(Math.max(depth - 1, 0))
    .execute();
  for (const hash of [currentHash, ...earlier.map((row) => row.password_hash)]) {
    if (await verifyPassword(hash, password)) return true;
  }
  return false;
}

/**
 * A person replaces their own password (21 CFR 11.300): the current one first, then the same
 * strength rules as everywhere, and none of the last `passwordHistory`. Their other sessions end and
 * their API tokens are revoked, since whoever knew the old password may hold either; this session
 * stays. The trail records the change, never the password.
 */
export async function changeOwnPassword(
  database: Database,
  studyId: string,
  session: AuthenticatedSession,
  input: PasswordChange,
  settings: PasswordSettings,
  context: RequestContext,
): Promise<{ sessionsEnded: number; tokensRevoked: number }> {
  const { user, actor } = session;
  await confirmOwnPassword(
    database,
    studyId,
    user,
    actor,
    input.currentPassword,
    settings,
    'password_change',
    context,
  );
  const problem = passwordProblem(input.newPassword, user.email);
  if (problem) throw validationFailed([{ field: 'newPassword', message: problem }]);
  const newHash = await hashPassword(input.newPassword);
  return database.transaction(async (trx) => {
    const row = await trx
      .selectFrom('app_user')
      .select(['password_hash', 'must_change_password', 'version'])
      .where('study_id', '=', studyId)
      .where('user_id', '=', user.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound(`User ${user.userId}`);
    const depth = settings.passwordHistory;
    if (await usedRecently(trx, studyId, user.userId, row.password_hash, input.newPassword, depth)) {
      throw validationFailed([
        {
          field: 'newPassword',
          message: `This is one of your last ${depth} passwords: choose one you have not used recently.`,
        },
      ]);
    }
    const now = new Date();
    await trx
      .updateTable('app_user')
      .set({
        password_hash: newHash,
        must_change_password: false,
        password_changed_at: now,
        failed_login_count: 0,
        updated_at: now,
        version: row.version + 1,
      })
      .where('study_id', '=', studyId)
      .where('user_id', '=', user.userId)
      .execute();
    await rememberPassword(trx, studyId, user.userId, row.password_hash, depth, now);
    let others = trx
      .updateTable('user_session')
      .set({ revoked_at: now })
      .where('study_id', '=', studyId)
      .where('user_id', '=', user.userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);
    if (session.sessionId !== null) others = others.where('session_id', '<>', session.sessionId);
    const sessionsEnded = (await others.returning('session_id').execute()).length;
    const tokensRevoked = await revokeUserTokens(trx, studyId, actor, user.userId, 'password_changed');
    await recordAudit(trx, studyId, actor, {
      action: 'auth.password_changed',
      entityType: 'user',
      entityId: user.userId,
      field: 'password',
      context: {
        ip: context.ip,
        requestId: context.requestId,
        required: row.must_change_password,
        sessionsEnded,
        tokensRevoked,
      },
    });
    return { sessionsEnded, tokensRevoked };
  });
}
