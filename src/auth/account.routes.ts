import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { requestContext, sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import {
  passwordChangeSchema,
  sessionsEndedSchema,
  totpConfirmSchema,
  totpDisableSchema,
  totpEnrolmentSchema,
} from './auth.schema.ts';
import { changeOwnPassword } from './password-change.service.ts';
import { authSettings } from './session.service.ts';
import { confirmTotp, disableTotp, startTotpEnrolment } from './totp.service.ts';

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  409: errorBodySchema,
  423: errorBodySchema,
};

/**
 * The signed-in person's own password and second factor. Reachable before TOTP enrolment where the
 * study requires it; the password change also before anything else when an administrator set it.
 */
export function accountRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const settings = authSettings(context.config);
  const passwordRate = { max: context.config.loginRateLimit, timeWindow: '1 minute' };
  const config = { permission: 'signed-in', beforeTotpEnrolment: true } as const;

  app.post(
    '/account/password',
    {
      config: { ...config, beforePasswordChange: true, rateLimit: passwordRate },
      schema: {
        tags: ['account'],
        summary:
          'Change your own password: the current one, then a new one not among your recent ones; ends your other sessions and revokes your API tokens',
        body: passwordChangeSchema,
        response: {
          200: sessionsEndedSchema,
          ...errors,
          423: errorBodySchema,
          429: errorBodySchema,
        },
      },
    },
    async (request) =>
      changeOwnPassword(
        database,
        context.studyId,
        sessionOf(request),
        request.body,
        { ...settings, passwordHistory: context.config.passwordHistory },
        requestContext(request),
      ),
  );

  app.post(
    '/account/totp/enrol',
    {
      config,
      schema: {
        tags: ['account'],
        summary: 'Start TOTP enrolment: a new secret and its otpauth:// URI, shown this once',
        response: { 200: totpEnrolmentSchema, ...errors },
      },
    },
    async (request) =>
      database.transaction((trx) => startTotpEnrolment(trx, context.studyId, sessionOf(request), settings)),
  );

  app.post(
    '/account/totp/confirm',
    {
      config,
      schema: {
        tags: ['account'],
        summary: 'Finish TOTP enrolment with the password and a first code from the authenticator app',
        body: totpConfirmSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await confirmTotp(database, context.studyId, sessionOf(request), request.body, settings);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/account/totp/disable',
    {
      config,
      schema: {
        tags: ['account'],
        summary: 'Turn TOTP off with the password and a current code',
        body: totpDisableSchema,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await disableTotp(database, context.studyId, sessionOf(request), request.body, settings);
      return reply.status(204).send(null);
    },
  );
}
