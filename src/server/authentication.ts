import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AuthenticatedSession, resolveSession } from '../auth/session.service.ts';
import type { AppContext } from './context.ts';
import { DomainError, unauthenticated } from './errors.ts';

export const SESSION_COOKIE = 'exotrial_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every API route needs a session unless its config says `public: true`. State-changing requests
 * made with the session cookie must also carry the session's CSRF token in X-CSRF-Token.
 */
export function installAuthentication(app: FastifyInstance, context: AppContext): void {
  app.decorateRequest('auth', null);
  app.addHook('preHandler', async (request) => {
    if (!request.url.startsWith('/api/') || request.routeOptions.config.public) return;
    if (request.routeOptions.url === undefined) return; // unknown route: the 404 handler answers
    const secret = request.cookies[SESSION_COOKIE];
    const session = secret
      ? await resolveSession(context.database, context.studyId, secret, {
          idleMinutes: context.config.sessionIdleMinutes,
        })
      : null;
    if (!session) {
      throw unauthenticated(secret ? 'Your session has ended. Sign in again.' : 'Sign in first.');
    }
    if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] !== session.csrfToken) {
      throw new DomainError(
        'csrf_failed',
        `Missing or wrong ${CSRF_HEADER} header: send the csrfToken returned at sign-in.`,
      );
    }
    request.auth = session;
  });
}

/** The session of a route that is not public (set by the hook above). */
export function sessionOf(request: FastifyRequest): AuthenticatedSession {
  if (!request.auth) throw unauthenticated();
  return request.auth;
}

export function requestContext(request: FastifyRequest) {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 500) : null,
    requestId: String(request.id),
  };
}
