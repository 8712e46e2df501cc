import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { signatureRequestSchema } from '../participants/participant.schema.ts';
import {
  casebookSchema,
  casebookSignatureResultSchema,
  checkValuesQuerySchema,
  checkValuesSchema,
  formRecordViewSchema,
  formSlotParamsSchema,
  instanceQuerySchema,
  lockRequestSchema,
  queryActionRequestSchema,
  queryListQuerySchema,
  queryListSchema,
  queryViewSchema,
  raiseQueryRequestSchema,
  saveFormRequestSchema,
  saveFormResponseSchema,
  sdvRequestSchema,
  sdvResultSchema,
  signatureResultSchema,
  unlockRequestSchema,
} from './crf.schema.ts';
import { getForm, saveForm } from './form.service.ts';
import { actOnQuery, listQueries, raiseQuery } from './query.service.ts';
import { casebook, setLock, verifyFields } from './review.service.ts';
import { signCasebook, signForm } from './signature.service.ts';
import { valuesForChecks } from './values.service.ts';

const errors = recordErrorResponses;
const recordParams = z.strictObject({ recordId: z.uuid({ message: 'Not a form record id.' }) });
const participantParams = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });
const queryParams = z.strictObject({ queryId: z.uuid({ message: 'Not a query id.' }) });
const queryPermissions = { answer: 'query.answer', close: 'query.close', reopen: 'query.raise' } as const;
const FORM_URL = '/participants/:participantId/visits/:visitKey/forms/:formId';

export function crfRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['eCRF'];

  app.get(
    FORM_URL,
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary:
          'A form of a visit (visitKey is `visit` or `visit/timepoint`, URL-encoded), with its queries',
        params: formSlotParamsSchema,
        querystring: instanceQuerySchema,
        response: { 200: formRecordViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        getForm(db, context.studyId, sessionOf(request), {
          ...request.params,
          instance: request.query.instance,
        }),
      ),
  );

  app.put(
    FORM_URL,
    {
      config: { permission: 'crf.enter' },
      schema: {
        tags,
        summary:
          'Save a form: the fields sent replace those fields; hard checks refuse, soft checks raise queries',
        params: formSlotParamsSchema,
        querystring: instanceQuerySchema,
        body: saveFormRequestSchema,
        response: { 200: saveFormResponseSchema, ...errors },
      },
    },
    async (request) =>
      saveForm(
        database,
        context.studyId,
        sessionOf(request),
        { ...request.params, instance: request.query.instance },
        request.body,
      ),
  );

  app.get(
    '/participants/:participantId/casebook',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary: 'Every saved form of a participant with its state',
        params: participantParams,
        response: { 200: casebookSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => casebook(db, context.studyId, sessionOf(request), request.params.participantId)),
  );

  app.get(
    '/participants/:participantId/values',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary:
          'Recorded values keyed by `form.item`, as the edit checks and skip logic of a form at `visitKey` see them',
        params: participantParams,
        querystring: checkValuesQuerySchema,
        response: { 200: checkValuesSchema, ...errors },
      },
    },
    async (request) => ({
      values: await database.read((db) =>
        valuesForChecks(
          db,
          context.studyId,
          sessionOf(request),
          request.params.participantId,
          request.query.visitKey,
        ),
      ),
    }),
  );

  app.post(
    '/records/:recordId/sign',
    {
      config: { permission: 'crf.sign' },
      schema: {
        tags,
        summary: 'Investigator e-signature on a form (re-enter the password)',
        params: recordParams,
        body: signatureRequestSchema,
        response: { 200: signatureResultSchema, ...errors },
      },
    },
    async (request) =>
      signForm(
        database,
        context.studyId,
        sessionOf(request),
        context.config.lockout,
        request.params.recordId,
        request.body.password,
      ),
  );

  app.post(
    '/participants/:participantId/sign',
    {
      config: { permission: 'crf.sign' },
      schema: {
        tags,
        summary: "Investigator e-signature on a participant's casebook",
        params: participantParams,
        body: signatureRequestSchema,
        response: { 200: casebookSignatureResultSchema, ...errors },
      },
    },
    async (request) =>
      signCasebook(
        database,
        context.studyId,
        sessionOf(request),
        context.config.lockout,
        request.params.participantId,
        request.body.password,
      ),
  );

  app.post(
    '/records/:recordId/sdv',
    {
      config: { permission: 'crf.sdv' },
      schema: {
        tags,
        summary: 'Source data verification of fields by a monitor',
        params: recordParams,
        body: sdvRequestSchema,
        response: { 200: sdvResultSchema, ...errors },
      },
    },
    async (request) =>
      verifyFields(
        database,
        context.studyId,
        sessionOf(request),
        request.params.recordId,
        request.body.itemIds,
      ),
  );

  const lockRoutes = [
    {
      url: '/records/:recordId',
      params: recordParams,
      target: (p: Record<string, string>) => ({ kind: 'record' as const, recordId: p.recordId ?? '' }),
    },
    {
      url: '/participants/:participantId',
      params: participantParams,
      target: (p: Record<string, string>) => ({
        kind: 'participant' as const,
        participantId: p.participantId ?? '',
      }),
    },
    { url: '/study', params: z.strictObject({}), target: () => ({ kind: 'study' as const }) },
  ];
  // Locking and unlocking differ only in the state set and in unlocking requiring a reason.
  const lockActions = [
    { action: 'lock', locked: true, summary: 'Lock (data manager)', body: lockRequestSchema },
    {
      action: 'unlock',
      locked: false,
      summary: 'Unlock with a reason (data manager)',
      body: unlockRequestSchema,
    },
  ] as const;
  for (const route of lockRoutes) {
    for (const { action, locked, summary, body } of lockActions) {
      app.post(
        `${route.url}/${action}`,
        {
          config: { permission: 'crf.lock' },
          schema: { tags, summary, params: route.params, body, response: { 204: z.null(), ...errors } },
        },
        async (request, reply) => {
          await setLock(
            database,
            context.studyId,
            sessionOf(request),
            route.target(request.params as Record<string, string>),
            locked,
            request.body.reason,
          );
          return reply.status(204).send(null);
        },
      );
    }
  }

  app.get(
    '/queries',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary: 'Query inbox (your sites)',
        querystring: queryListQuerySchema,
        response: { 200: queryListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listQueries(db, context.studyId, sessionOf(request), request.query)),
  );

  app.post(
    '/queries',
    {
      config: { permission: 'query.raise' },
      schema: {
        tags,
        summary: 'Raise a query on a field (monitor, data manager)',
        body: raiseQueryRequestSchema,
        response: { 201: queryViewSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await raiseQuery(database, context.studyId, sessionOf(request), request.body)),
  );

  for (const action of ['answer', 'close', 'reopen'] as const) {
    app.post(
      `/queries/:queryId/${action}`,
      {
        config: { permission: queryPermissions[action] },
        schema: {
          tags,
          summary: `${action[0]?.toUpperCase()}${action.slice(1)} a query`,
          params: queryParams,
          body: queryActionRequestSchema,
          response: { 200: queryViewSchema, ...errors },
        },
      },
      async (request) =>
        actOnQuery(
          database,
          context.studyId,
          sessionOf(request),
          request.params.queryId,
          action,
          request.body,
        ),
    );
  }
}
