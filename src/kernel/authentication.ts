import { timingSafeEqual } from 'node:crypto';
import type { FastifyContextConfig, FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { AuthenticatedSession } from '../auth/session.service.ts';
import type { App } from './context.ts';
import { DomainError, unauthenticated } from './errors.ts';
import { authorize } from './permissions.ts';

export const SESSION_COOKIE = 'exotrial_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * How a request's credentials become a session. The auth domain provides it (src/auth/caller-resolver.ts)
 * and the composition root passes it in, so this kernel module depends on no domain code.
 */
export interface CallerResolver {
  /** The session of an API token's secret; null when unknown, expired or revoked. */
  byApiToken(secret: string): Promise<AuthenticatedSession | null>;
  /** The session of a session cookie's secret; null when unknown or ended. */
  bySessionCookie(secret: string): Promise<AuthenticatedSession | null>;
}

/** A route as registered: what the permission matrix test walks. */
export interface RouteEntry {
  method: string;
  url: string;
  config: FastifyContextConfig;
}
const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route registered after authentication was installed (all of them), one entry per method. */
export const routeTable = (app: FastifyInstance): readonly RouteEntry[] => routeTables.get(app) ?? [];

/** The secret of `Authorization: Bearer <token>`, or undefined without one. */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('Send the API token as `Authorization: Bearer <token>`.');
  return match[1];
}

/** Marks an encapsulated scope whose routes (and its plugins' routes) are all public. */
const PUBLIC_SCOPE = Symbol('exotrial.publicScope');

/**
 * Registers a plugin whose routes are public by nature (static web files, the API documentation):
 * it runs in an encapsulated scope marked public, so the declaration sits where the plugin is
 * registered, not in a list of path prefixes elsewhere.
 */
export async function registerPublic(
  app: App,
  register: (scope: App) => PromiseLike<unknown>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.decorate(PUBLIC_SCOPE, true);
    await register(scope);
  });
}

/**
 * Every route must say who may call it: `public: true`, or the `permission` it needs. A route that
 * says neither (or both) stops the server at start-up, so a forgotten declaration cannot ship as an
 * open door. Routes of a public scope (registerPublic) are marked public here: onRoute hooks run
 * parent first, so a child's own hook would come too late for this check.
 */
function declaredConfig(scope: FastifyInstance, route: RouteOptions): FastifyContextConfig {
  const config: FastifyContextConfig = route.config ?? {};
  if (scope.hasDecorator(PUBLIC_SCOPE)) {
    if (config.permission) {
      throw new Error(`${route.method} ${route.url} is in a public scope but declares a permission.`);
    }
    return { ...config, public: true };
  }
  if (config.public === true && config.permission) {
    throw new Error(`${route.method} ${route.url} declares both public: true and a permission.`);
  }
  if (config.public !== true && !config.permission) {
    throw new Error(
      `${route.method} ${route.url} declares neither config.public nor config.permission: say who may call it.`,
    );
  }
  return config;
}

/** Compares the CSRF header with the session's token in constant time (no timing hint per character). */
function csrfMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const sentBytes = Buffer.from(sent);
  const expectedBytes = Buffer.from(expected);
  return sentBytes.length === expectedBytes.length && timingSafeEqual(sentBytes, expectedBytes);
}

/**
 * Whether a request needs a caller is decided from the matched route's own declaration, never from
 * the path text: the router decodes and matches the path, so any spelling that reaches a route gets
 * that route's rule. Non-public routes need a session cookie or an API token in
 * `Authorization: Bearer`. State-changing requests made with the cookie must also carry the
 * session's CSRF token in X-CSRF-Token (a bearer token cannot be sent by a browser on its own, so it
 * needs none). Then the route's declared permission is checked, with the site of `siteParam`. All of
 * this runs on request, before the body is read: a refused caller learns nothing about validation.
 * Install it before any route or route-registering plugin, so every route passes its check.
 */
export function installAuthentication(app: FastifyInstance, resolver: CallerResolver): void {
  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', function checkDeclaration(route) {
    const config = declaredConfig(this, route);
    route.config = config;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, config });
  });
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === undefined) return; // no route matched: the 404 handler answers
    const config = request.routeOptions.config;
    if (config.public === true) return;
    const session = await callerOf(request, resolver);
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
    // declaredConfig makes a permission certain; refuse anyway should a route ever lack one.
    if (!config.permission) throw new DomainError('forbidden', 'This route declares no permission.');
    if (config.permission !== 'signed-in') {
      const siteId = config.siteParam
        ? (request.params as Record<string, string | undefined>)[config.siteParam]
        : undefined;
      authorize(session.user, config.permission, siteId === undefined ? undefined : { siteId });
    }
    request.auth = session;
  });
}

/** The session of the API token or cookie sent, with the CSRF check for cookie writes; 401 without one. */
async function callerOf(request: FastifyRequest, resolver: CallerResolver): Promise<AuthenticatedSession> {
  const token = bearerToken(request);
  if (token !== undefined) {
    const session = await resolver.byApiToken(token);
    if (!session) throw unauthenticated('The API token is not valid: it is unknown, expired or revoked.');
    return session;
  }
  const secret = request.cookies[SESSION_COOKIE];
  const session = secret ? await resolver.bySessionCookie(secret) : null;
  if (!session) throw unauthenticated(secret ? 'Your session has ended. Sign in again.' : 'Sign in first.');
  if (!SAFE_METHODS.has(request.method) && !csrfMatches(request.headers[CSRF_HEADER], session.csrfToken)) {
    throw new DomainError(
      'csrf_failed',
      `Missing or wrong ${CSRF_HEADER} header: send the csrfToken returned at sign-in.`,
    );
  }
  return session;
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
