import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/connection.ts';
import { DomainError, notFound } from '../server/errors.ts';
import { verifyPassword } from './password.ts';
import { type AuthSettings, countFailure, lockedError, type RequestContext } from './session.service.ts';

/** What the password was asked for again: named in the audit event of a wrong one. */
export type PasswordCheckPurpose = 'password_change' | 'token_issue';

/**
 * Asks a signed-in person (or the CLI on their behalf) for their own password again before an action
 * that a stolen session must not be able to take. A wrong password counts toward the same lockout as
 * sign-in and is audited; the failure is committed on its own, since the caller's work is not done.
 */
export async function confirmOwnPassword(
  database: Database,
  studyId: string,
  user: { userId: string; email: string },
  actor: Actor,
  password: string,
  settings: AuthSettings,
  purpose: PasswordCheckPurpose,
  context?: RequestContext,
): Promise<void> {
  const row = await database.read((db) =>
    db
      .selectFrom('app_user')
      .select(['password_hash', 'locked_until'])
      .where('study_id', '=', studyId)
      .where('user_id', '=', user.userId)
      .executeTakeFirst(),
  );
  if (!row) throw notFound(`User ${user.userId}`);
  const now = new Date();
  if (row.locked_until && new Date(row.locked_until) > now) throw lockedError(new Date(row.locked_until));
  if (await verifyPassword(row.password_hash, password)) return;
  const auditContext = context ? { ip: context.ip, requestId: context.requestId, purpose } : { purpose };
  const lockedUntil = await database.transaction(async (trx) => {
    const until = await countFailure(trx, studyId, user.userId, settings, now);
    await recordAudit(trx, studyId, actor, [
      {
        action: 'auth.password_check_failed',
        entityType: 'user',
        entityId: user.userId,
        context: auditContext,
      },
      ...(until
        ? [
            {
              action: 'auth.lockout',
              entityType: 'user',
              entityId: user.userId,
              field: 'locked_until',
              newValue: until.toISOString(),
              context: auditContext,
            },
          ]
        : []),
    ]);
    return until;
  });
  if (lockedUntil) throw lockedError(lockedUntil);
  throw new DomainError('unauthenticated', 'Your current password is not correct.', {
    currentPasswordWrong: true,
  });
}
