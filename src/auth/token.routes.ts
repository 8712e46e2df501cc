import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { requestContext, sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { authorize, can } from '../kernel/permissions.ts';
import { apiTokenViewSchema, createdApiTokenSchema, newApiTokenRequestSchema } from './api-token.schema.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './api-token.service.ts';
import { confirmOwnPassword } from './password-check.ts';
import { authSettings } from './session.service.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };

/** API tokens: people issue and revoke their own; administrators see and revoke everyone's. */
export function tokenRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tokenRate = { max: context.config.loginRateLimit, timeWindow: '1 minute' };
  const settings = authSettings(context.config);

  app.get(
    '/tokens',
    {
      config: { permission: 'token.own' },
      schema: {
        tags: ['tokens'],
        summary: 'Your API tokens (never their secrets)',
        response: { 200: z.array(apiTokenViewSchema), ...errors },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      return database.read((db) => listApiTokens(db, context.studyId, session.user.userId));
    },
  );

  app.post(
    '/tokens',
    {
      config: { permission: 'token.own', rateLimit: tokenRate },
      schema: {
        tags: ['tokens'],
        summary:
          'Issue an API token for yourself with your password; it ends after expiresInDays (the secret is in this answer only)',
        body: newApiTokenRequestSchema,
        response: { 201: createdApiTokenSchema, ...errors, 423: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const { password, ...input } = request.body;
      await confirmOwnPassword(
        database,
        context.studyId,
        session.user,
        session.actor,
        password,
        settings,
        'token_issue',
        requestContext(request),
      );
      const created = await database.transaction((trx) =>
        createApiToken(trx, context.studyId, session.actor, session.user, input, context.config.tokenDays),
      );
      return reply.status(201).send(created);
    },
  );

  app.delete(
    '/tokens/:tokenId',
    {
      config: { permission: 'token.own' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token: yours, or anyone’s for administrators',
        params: z.object({ tokenId: z.uuid() }),
        response: { 204: z.null(), ...errors, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const owner = can(session.user, 'token.manage') ? undefined : session.user.userId;
      await database.transaction((trx) =>
        revokeApiToken(trx, context.studyId, session.actor, request.params.tokenId, owner),
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/admin/tokens',
    {
      config: { permission: 'token.manage' },
      schema: {
        tags: ['tokens'],
        summary: 'Every API token of the study',
        response: { 200: z.array(apiTokenViewSchema), ...errors },
      },
    },
    async (request) => {
      // The handler checks its caller too, so it stays closed should the route's declaration change.
      authorize(sessionOf(request).user, 'token.manage');
      return database.read((db) => listApiTokens(db, context.studyId));
    },
  );
}
