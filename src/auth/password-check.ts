import type { Actor } from '../audit/audit.schema.ts';
import type { Database } from '../db/connection.ts';
import { reauthenticate } from './reauthentication.service.ts';
import type { AuthSettings, RequestContext } from './session.service.ts';

/** What the password was asked for again: named in the audit event of a wrong one. */
export type PasswordCheckPurpose = 'password_change' | 'token_issue';

const purposeMeaning: Record<PasswordCheckPurpose, string> = {
  password_change: 'I change my password.',
  token_issue: 'I issue an API token that acts as me.',
};

/**
 * Asks a signed-in person (or the CLI on their behalf) for their own password again before an action
 * that a stolen session must not be able to take. It is the e-signature's re-authentication: a wrong
 * password counts toward the same lockout as sign-in, a locked account gets 423, and the failure is
 * audited (as `auth.password_check_failed`, since nothing is being signed) and committed on its own.
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
  await reauthenticate(
    database,
    studyId,
    { user: { userId: user.userId }, actor },
    password,
    {
      entityType: 'user',
      entityId: user.userId,
      meaning: purposeMeaning[purpose],
      context: context ? { ip: context.ip, requestId: context.requestId, purpose } : { purpose },
    },
    settings.lockout,
    {
      failureAction: 'auth.password_check_failed',
      failureMessage: 'Your current password is not correct.',
      failureDetails: { currentPasswordWrong: true },
    },
  );
}
