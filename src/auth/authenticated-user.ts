import type { UserView } from './auth.schema.ts';
import type { AuthenticatedSession } from './session.service.ts';
import { toUserView } from './user.service.ts';

/**
 * The user's columns that every credential (session cookie, API token) reads with it, from the
 * `app_user` table joined as `u`; the query also keeps only `u.status = 'active'` users.
 */
export const AUTHENTICATED_USER_COLUMNS = [
  'u.user_id',
  'u.email',
  'u.name',
  'u.roles',
  'u.site_ids',
  'u.status',
  'u.totp_enabled_at',
  'u.must_change_password',
] as const;

type AuthenticatedUserRow = Parameters<typeof toUserView>[0] & {
  totp_enabled_at: Date | string | null;
  must_change_password: boolean;
};

/** What the credential itself contributes to the session. */
export interface Credential {
  via: AuthenticatedSession['via'];
  csrfToken: string;
  sessionId: string | null;
  tokenId: string | null;
  /** The actor's label in audit events, from the user's email. */
  actorLabel: (email: string) => string;
  /** Whether the user must set up TOTP before anything else (an administrator without it). */
  totpEnrolmentRequired: (user: UserView, totpEnabled: boolean) => Promise<boolean>;
}

/** A credential's last-use mark is written at most once a minute: right enough, without a write per request. */
export const lastUseIsStale = (lastUsed: Date | string | null, now: Date): boolean =>
  lastUsed === null || now.getTime() - new Date(lastUsed).getTime() > 60_000;

/** The session of an active user found through a credential: who they are, what they must do first. */
export async function authenticatedSession(
  row: AuthenticatedUserRow,
  credential: Credential,
): Promise<AuthenticatedSession> {
  const user = toUserView(row);
  const totpEnabled = row.totp_enabled_at !== null;
  return {
    user,
    actor: { type: 'user', userId: user.userId, label: credential.actorLabel(user.email) },
    via: credential.via,
    csrfToken: credential.csrfToken,
    sessionId: credential.sessionId,
    tokenId: credential.tokenId,
    totpEnabled,
    totpEnrolmentRequired: await credential.totpEnrolmentRequired(user, totpEnabled),
    passwordChangeRequired: row.must_change_password,
  };
}
