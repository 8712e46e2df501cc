import { z } from 'zod';
import { servedOverTls } from '../config.ts';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { requestContext, SESSION_COOKIE, sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { revokeUserTokens } from './api-token.service.ts';
import {
  loginRequestSchema,
  sessionsEndedSchema,
  sessionViewSchema,
  setupRequestSchema,
  userViewSchema,
} from './auth.schema.ts';
import { authSettings, login, logout, revokeUserSessions } from './session.service.ts';
import { completeSetup, setupNeeded } from './setup.service.ts';

export function authRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const settings = authSettings(context.config);
  const LOGIN_RATE = { max: context.config.loginRateLimit, timeWindow: '1 minute' };

  app.post(
    '/auth/login',
    {
      config: { public: true, rateLimit: LOGIN_RATE },
      schema: {
        tags: ['auth'],
        summary: 'Sign in: sets the session cookie and returns the user and the CSRF token',
        body: loginRequestSchema,
        response: {
          200: sessionViewSchema,
          401: errorBodySchema,
          423: errorBodySchema,
          429: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const { secret, session } = await login(
        database,
        context.studyId,
        request.body,
        requestContext(request),
        settings,
        request.cookies[SESSION_COOKIE],
      );
      reply.setCookie(SESSION_COOKIE, secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        // Behind a TLS proxy the request looks like plain HTTP: PUBLIC_URL decides.
        secure: servedOverTls(context.config) ? true : 'auto',
      });
      return session;
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { permission: 'signed-in', beforeTotpEnrolment: true, beforePasswordChange: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends this session',
        response: { 204: z.null(), 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      await logout(database, context.studyId, sessionOf(request), requestContext(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/logout-everywhere',
    {
      config: { permission: 'signed-in', beforeTotpEnrolment: true, beforePasswordChange: true },
      schema: {
        tags: ['auth'],
        summary:
          'Sign out everywhere: ends every session of the signed-in user, this one included, and revokes their API tokens',
        response: {
          200: sessionsEndedSchema,
          401: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const userId = session.user.userId;
      const ended = await database.transaction(async (trx) => ({
        sessionsEnded: await revokeUserSessions(
          trx,
          context.studyId,
          session.actor,
          userId,
          'auth.logout_everywhere',
        ),
        tokensRevoked: await revokeUserTokens(
          trx,
          context.studyId,
          session.actor,
          userId,
          'signed_out_everywhere',
        ),
      }));
      if (session.via === 'session') reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return ended;
    },
  );

  app.get(
    '/auth/me',
    {
      config: { permission: 'signed-in', beforeTotpEnrolment: true, beforePasswordChange: true },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user and the CSRF token of this session',
        response: { 200: sessionViewSchema, 401: errorBodySchema },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      return {
        user: session.user,
        csrfToken: session.csrfToken,
        totpEnabled: session.totpEnabled,
        totpEnrolmentRequired: session.totpEnrolmentRequired,
        passwordChangeRequired: session.passwordChangeRequired,
      };
    },
  );

  app.get(
    '/setup',
    {
      config: { public: true },
      schema: {
        tags: ['setup'],
        summary: 'Whether the first administrator still has to be created',
        response: { 200: z.object({ needed: z.boolean() }) },
      },
    },
    async () => ({ needed: await setupNeeded(database, context.studyId) }),
  );

  app.post(
    '/setup',
    {
      config: { public: true, rateLimit: LOGIN_RATE },
      schema: {
        tags: ['setup'],
        summary: 'Create the first administrator with the one-time setup link printed at start',
        body: setupRequestSchema,
        response: { 201: userViewSchema, 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const user = await completeSetup(database, context.studyId, request.body);
      return reply.status(201).send(user);
    },
  );
}
