import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuthenticatedSession } from '../auth/session.service.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import type { Permission } from './permissions.ts';

/**
 * What every route file is given: the configuration, the database and the study served. A route
 * file reads `studyId` in its handlers, never while registering: the server builds its routes while
 * the database starts, before the start-up steps have found the study (server.ts).
 */
export interface AppContext {
  config: Config;
  database: Database;
  readonly studyId: string;
}

/**
 * A domain's routes: registered by the composition root as one plugin under the API prefix, so the
 * paths a domain writes (`/participants/:id`) carry no version.
 */
export type DomainRoutes = (app: App, context: AppContext) => void;

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in session; null only on public routes. */
    auth: AuthenticatedSession | null;
  }
  interface FastifyContextConfig {
    /** Reachable without signing in (health, login, setup, documentation). */
    public?: boolean;
    /**
     * What the caller must be allowed to do; the authentication hook checks it (`authorize`) before
     * the body is even read. `signed-in` is for a person's own account (sign-out, own TOTP).
     */
    permission?: Permission | 'signed-in';
    /** The path parameter naming the site whose records the route touches (site scope is checked). */
    siteParam?: string;
    /** Reachable by an administrator who still has to set up the required second factor. */
    beforeTotpEnrolment?: boolean;
    /** Reachable by a user who must first replace a password an administrator chose. */
    beforePasswordChange?: boolean;
  }
}
