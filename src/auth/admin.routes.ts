import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { authorize } from '../kernel/permissions.ts';
import {
  activeSessionSchema,
  newUserSchema,
  passwordResetSchema,
  reasonOnlySchema,
  userAdminViewSchema,
  userSessionsEndedSchema,
  userUpdateSchema,
  userViewSchema,
} from './auth.schema.ts';
import { revokeUserSessions } from './session.service.ts';
import { listActiveSessions, revokeSession } from './session-admin.service.ts';
import { createUser } from './user.service.ts';
import { listUsers, resetPassword, resetTotp, updateUser } from './user-admin.service.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };
const userParams = z.object({ userId: z.uuid() });

/** Administration of accounts and sessions. Every change is audited with its reason. */
export function adminRoutes(app: App, context: AppContext): void {
  const { database } = context;

  app.get(
    '/users',
    {
      config: { permission: 'user.read' },
      schema: {
        tags: ['users'],
        summary: 'The accounts of the study (site-scoped readers see their sites’ people)',
        response: { 200: z.array(userAdminViewSchema), ...errors },
      },
    },
    async (request) => database.read((db) => listUsers(db, context.studyId, sessionOf(request).user)),
  );

  app.post(
    '/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['users'],
        summary:
          'Create an account with roles, sites and a first password, which the user must change at the first sign-in',
        body: newUserSchema,
        response: { 201: userViewSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const user = await database.transaction((trx) =>
        createUser(trx, context.studyId, session.actor, request.body, { mustChangePassword: true }),
      );
      return reply.status(201).send(user);
    },
  );

  app.patch(
    '/users/:userId',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Change name, roles, sites or status, or lift a lockout (409 on a stale version)',
        params: userParams,
        body: userUpdateSchema,
        response: { 200: userAdminViewSchema, ...errors, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      return database.transaction((trx) =>
        updateUser(trx, context.studyId, session.actor, request.params.userId, request.body),
      );
    },
  );

  app.post(
    '/users/:userId/password',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['users'],
        summary:
          'Set a new password, which the user must change at the next sign-in; ends the user’s sessions, API tokens and any lockout',
        params: userParams,
        body: passwordResetSchema,
        response: { 204: z.null(), ...errors, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      await database.transaction((trx) =>
        resetPassword(trx, context.studyId, session.actor, request.params.userId, request.body, {
          passwordHistory: context.config.passwordHistory,
          mustChangePassword: true,
        }),
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users/:userId/totp/reset',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: ['users'],
        summary: 'Remove a user’s second factor (lost device); they enrol again',
        params: userParams,
        body: reasonOnlySchema,
        response: { 204: z.null(), ...errors, 404: errorBodySchema, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      await database.transaction((trx) =>
        resetTotp(trx, context.studyId, session.actor, request.params.userId, request.body.reason),
      );
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/sessions',
    {
      config: { permission: 'session.manage' },
      schema: {
        tags: ['sessions'],
        summary: 'Who is signed in: open browser sessions',
        response: { 200: z.array(activeSessionSchema), ...errors },
      },
    },
    async (request) => {
      // The handler checks its caller too, so it stays closed should the route's declaration change.
      authorize(sessionOf(request).user, 'session.manage');
      return database.read((db) =>
        listActiveSessions(db, context.studyId, context.config.sessionIdleMinutes),
      );
    },
  );

  app.delete(
    '/sessions/:sessionId',
    {
      config: { permission: 'session.manage' },
      schema: {
        tags: ['sessions'],
        summary: 'End one session',
        params: z.object({ sessionId: z.string().regex(/^[0-9a-f]{64}$/) }),
        response: { 204: z.null(), ...errors, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      await database.transaction((trx) =>
        revokeSession(trx, context.studyId, session.actor, request.params.sessionId),
      );
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/users/:userId/sessions',
    {
      config: { permission: 'session.manage' },
      schema: {
        tags: ['sessions'],
        summary: 'End every session of one user',
        params: userParams,
        response: { 200: userSessionsEndedSchema, ...errors, 404: errorBodySchema },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const sessionsEnded = await database.transaction((trx) =>
        revokeUserSessions(trx, context.studyId, session.actor, request.params.userId, 'session.revoke_all'),
      );
      return { sessionsEnded };
    },
  );
}
