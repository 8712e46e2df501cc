import type { CallerResolver } from '../kernel/authentication.ts';
import type { AppContext } from '../kernel/context.ts';
import { resolveApiToken } from './api-token.service.ts';
import { authSettings, resolveSession } from './session.service.ts';

/** The auth domain's answer to "whose credentials are these": API tokens and session cookies of the study. */
export function callerResolver(context: AppContext): CallerResolver {
  const settings = authSettings(context.config);
  return {
    byApiToken: (secret) => resolveApiToken(context.database, context.studyId, secret),
    bySessionCookie: (secret) => resolveSession(context.database, context.studyId, secret, settings),
  };
}
