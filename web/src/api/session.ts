import { useQuery, useQueryClient } from '@tanstack/react-query';
import i18next, { type TFunction } from 'i18next';
import type { LoginRequest, SessionView } from '../../../src/auth/auth.schema.ts';
import { formatOwnDateTime } from '../format.ts';
import { ApiError, api, setCsrfToken } from './client.ts';

/** The signed-in user and their session, as `GET /auth/me` and `POST /auth/login` answer. */
export type SessionInfo = SessionView;

/** The signed-in session, or null when the server answers 401. */
export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async (): Promise<SessionInfo | null> => {
      try {
        const session = await api<SessionInfo>('GET', '/auth/me');
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return async (email: string, password: string, totp?: string) => {
    const session = await api<SessionInfo, LoginRequest>('POST', '/auth/login', {
      email,
      password,
      ...(totp ? { totp } : {}),
    });
    setCsrfToken(session.csrfToken);
    // Answers cached for whoever was signed in before (a session that expired) are not this person's.
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    client.setQueryData(['session'], session);
    return session;
  };
}

export function useSignOut() {
  const client = useQueryClient();
  return async () => {
    await api('POST', '/auth/logout');
    setCsrfToken(null);
    // Drop every cached answer of the signed-out user, but keep (and update) the session query that
    // the layout observes, so it sees the sign-out and sends the browser to the login page.
    client.setQueryData(['session'], null);
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
  };
}

/** A message for people, in their language, for an error from the API. */
export function errorMessage(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.body.details?.fields;
    if (error.body.details?.totpRequired) return t('auth.totpNeeded');
    if (error.body.details?.totpEnrolmentRequired) return t('account.totpRequiredNotice');
    if (error.body.details?.currentPasswordWrong) return t('errors.currentPasswordWrong');
    if (error.body.error === 'locked' && error.body.details?.lockedUntil) {
      return t('errors.locked', {
        until: formatOwnDateTime(error.body.details.lockedUntil, i18next.language === 'zh' ? 'zh' : 'en'),
      });
    }
    const known = ['forbidden', 'rate_limited', 'csrf_failed', 'password_change_required'];
    if (known.includes(error.body.error)) return t(`errors.${error.body.error}`);
    // A conflict's reason is specific (not eligible, nothing to amend, changed meanwhile): keep it.
    if (error.body.error === 'conflict') return `${t('errors.conflict')} ${error.body.message}`;
    if (error.body.error === 'unauthenticated') {
      if (error.body.message.includes('email or password')) return t('errors.unauthenticated');
      // A password re-entered on a signed-in page (two-step sign-in on or off) was wrong: the
      // session goes on.
      if (error.body.message.includes('not correct')) return t('errors.wrongPassword');
      return t('errors.sessionEnded');
    }
    if (fields?.length)
      return fields.map((field) => `${field.field.replace(/^body\./, '')}: ${field.message}`).join(' · ');
    return error.body.message;
  }
  if (error instanceof TypeError) return t('errors.network');
  return t('errors.unknown', { message: error instanceof Error ? error.message : String(error) });
}
