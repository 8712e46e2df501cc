import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { resolveApiToken } from '../auth/api-token.service.ts';
import { authorize } from '../auth/permissions.ts';
import { type AuthenticatedSession, authSettings, resolveSession } from '../auth/session.service.ts';
import type { AppContext } from './context.ts';
import { DomainError, unauthenticated } from './errors.ts';

export const SESSION_COOKIE = 'exotrial_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A route as registered: what the permission matrix test walks. */
export interface RouteEntry {
  method: string;
  url: string;
  config: FastifyContextConfig;
}
const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered after authentication was installed, one entry per method. */
export const routeTable = (app: FastifyInstance): readonly RouteEntry[] => routeTables.get(app) ?? [];

/** The secret of `Authorization: Bearer <token>`, or undefined without one. */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('Send the API token as `Authorization: Bearer <token>`.');
  return match[1];
}

/**
 * Every API route needs a caller unless its config says `public: true`: a session cookie, or an API
 * token in `Authorization: Bearer`. State-changing requests made with the cookie must also carry the
 * session's CSRF token in X-CSRF-Token (a bearer token cannot be sent by a browser on its own, so it
 * needs none). Then the route's declared permission is checked, with the site of `siteParam`. All of
 * this runs on request, before the body is read: a refused caller learns nothing about validation.
 */
export function installAuthentication(app: FastifyInstance, context: AppContext): void {
  const settings = authSettings(context.config);
  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, config: route.config ?? {} });
  });
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/') || request.routeOptions.config.public) return;
    if (request.routeOptions.url === undefined) return; // unknown route: the 404 handler answers
    const token = bearerToken(request);
    let session: AuthenticatedSession | null;
    if (token !== undefined) {
      session = await resolveApiToken(context.database, context.studyId, token);
      if (!session) throw unauthenticated('The API token is not valid: it is unknown, expired or revoked.');
    } else {
      const secret = request.cookies[SESSION_COOKIE];
      session = secret ? await resolveSession(context.database, context.studyId, secret, settings) : null;
      if (!session) {
        throw unauthenticated(secret ? 'Your session has ended. Sign in again.' : 'Sign in first.');
      }
      if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] !== session.csrfToken) {
        throw new DomainError(
          'csrf_failed',
          `Missing or wrong ${CSRF_HEADER} header: send the csrfToken returned at sign-in.`,
        );
      }
    }
    const config = request.routeOptions.config;
    if (session.passwordChangeRequired && !config.beforePasswordChange) {
      throw new DomainError(
        'password_change_required',
        'An administrator set your password: change it first (POST /api/v1/account/password, or My account).',
      );
    }
    if (session.totpEnrolmentRequired && !config.beforeTotpEnrolment) {
      throw new DomainError(
        'forbidden',
        'This study requires administrators to use a second factor: set it up under My account first.',
        { totpEnrolmentRequired: true },
      );
    }
    if (config.permission && config.permission !== 'signed-in') {
      const siteId = config.siteParam
        ? (request.params as Record<string, string | undefined>)[config.siteParam]
        : undefined;
      authorize(session.user, config.permission, siteId === undefined ? undefined : { siteId });
    }
    request.auth = session;
  });
}

/** The caller of a route that is not public (set by the hook above). */
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
