import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import {
  inboxQuerySchema,
  inboxSchema,
  markedSchema,
  preferencesSchema,
  preferencesUpdateSchema,
  unreadCountSchema,
} from './notification.schema.ts';
import {
  countUnread,
  getPreferences,
  listInbox,
  markAllRead,
  markRead,
  updatePreferences,
} from './notification.service.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema };
const notificationParams = z.strictObject({ notificationId: z.uuid({ message: 'Not a notification id.' }) });

/** The signed-in person's own notifications and choices: everyone has an inbox, whatever their role. */
export function notificationRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['notifications'];
  const config = { permission: 'signed-in' } as const;
  const emailConfigured = context.config.mail.smtpUrl !== undefined;

  app.get(
    '/notifications',
    {
      config,
      schema: {
        tags,
        summary: 'Your notifications, newest first, in both languages, with the state of their e-mail',
        querystring: inboxQuerySchema,
        response: { 200: inboxSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listInbox(db, context.studyId, sessionOf(request), request.query)),
  );

  app.get(
    '/notifications/unread-count',
    {
      config,
      schema: {
        tags,
        summary: 'How many of your notifications are unread',
        response: { 200: unreadCountSchema, ...errors },
      },
    },
    async (request) => database.read((db) => countUnread(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/notifications/:notificationId/read',
    {
      config,
      schema: {
        tags,
        summary: 'Mark one of your notifications read',
        params: notificationParams,
        response: { 200: markedSchema, ...errors },
      },
    },
    async (request) =>
      markRead(database, context.studyId, sessionOf(request), request.params.notificationId, new Date()),
  );

  app.post(
    '/notifications/read-all',
    {
      config,
      schema: {
        tags,
        summary: 'Mark all your notifications read',
        response: { 200: markedSchema, ...errors },
      },
    },
    async (request) => markAllRead(database, context.studyId, sessionOf(request), new Date()),
  );

  app.get(
    '/notifications/preferences',
    {
      config,
      schema: {
        tags,
        summary: 'Your language and, per kind, how you are told: immediately, daily digest or in-app only',
        response: { 200: preferencesSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => getPreferences(db, context.studyId, sessionOf(request), emailConfigured)),
  );

  app.put(
    '/notifications/preferences',
    {
      config,
      schema: {
        tags,
        summary:
          'Change your language or how a kind reaches you; the reporting clocks always go out by e-mail at once (400)',
        body: preferencesUpdateSchema,
        response: { 200: preferencesSchema, ...errors },
      },
    },
    async (request) =>
      updatePreferences(
        database,
        context.studyId,
        sessionOf(request),
        request.body,
        emailConfigured,
        new Date(),
      ),
  );
}
