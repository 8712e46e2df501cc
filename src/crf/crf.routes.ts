import { z } from 'zod';
import { signatureRequestSchema } from '../participants/participant.schema.ts';
import { recordErrorResponses } from '../server/api-schemas.ts';
import { sessionOf } from '../server/authentication.ts';
import type { App, AppContext } from '../server/context.ts';
import {
  casebookSchema,
  formRecordViewSchema,
  formSlotParamsSchema,
  instanceQuerySchema,
  lockRequestSchema,
  queryActionRequestSchema,
  queryListQuerySchema,
  queryViewSchema,
  raiseQueryRequestSchema,
  saveFormRequestSchema,
  saveFormResponseSchema,
  sdvRequestSchema,
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
const signatureResponse = z.object({ signatureId: z.string(), meaning: z.string() });
const queryPermissions = { answer: 'query.answer', close: 'query.close', reopen: 'query.raise' } as const;
const FORM_URL = '/api/v1/participants/:participantId/visits/:visitKey/forms/:formId';

export function crfRoutes(app: App, context: AppContext): void {
  const { database, studyId } = context;
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
        getForm(db, studyId, sessionOf(request), { ...request.params, instance: request.query.instance }),
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
        studyId,
        sessionOf(request),
        { ...request.params, instance: request.query.instance },
        request.body,
      ),
  );

  app.get(
    '/api/v1/participants/:participantId/casebook',
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
      database.read((db) => casebook(db, studyId, sessionOf(request), request.params.participantId)),
  );

  app.get(
    '/api/v1/participants/:participantId/values',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary:
          'Recorded values keyed by `form.item`, as the edit checks and skip logic of a form at `visitKey` see them',
        params: participantParams,
        querystring: z.strictObject({ visitKey: z.string().min(1).max(100).optional() }),
        response: { 200: z.object({ values: z.record(z.string(), z.unknown()) }), ...errors },
      },
    },
    async (request) => ({
      values: await database.read((db) =>
        valuesForChecks(
          db,
          studyId,
          sessionOf(request),
          request.params.participantId,
          request.query.visitKey,
        ),
      ),
    }),
  );

  app.post(
    '/api/v1/records/:recordId/sign',
    {
      config: { permission: 'crf.sign' },
      schema: {
        tags,
        summary: 'Investigator e-signature on a form (re-enter the password)',
        params: recordParams,
        body: signatureRequestSchema,
        response: { 200: signatureResponse, ...errors },
      },
    },
    async (request) =>
      signForm(
        database,
        studyId,
        sessionOf(request),
        context.config.lockout,
        request.params.recordId,
        request.body.password,
      ),
  );

  app.post(
    '/api/v1/participants/:participantId/sign',
    {
      config: { permission: 'crf.sign' },
      schema: {
        tags,
        summary: "Investigator e-signature on a participant's casebook",
        params: participantParams,
        body: signatureRequestSchema,
        response: { 200: signatureResponse.extend({ forms: z.number().int() }), ...errors },
      },
    },
    async (request) =>
      signCasebook(
        database,
        studyId,
        sessionOf(request),
        context.config.lockout,
        request.params.participantId,
        request.body.password,
      ),
  );

  app.post(
    '/api/v1/records/:recordId/sdv',
    {
      config: { permission: 'crf.sdv' },
      schema: {
        tags,
        summary: 'Source data verification of fields by a monitor',
        params: recordParams,
        body: sdvRequestSchema,
        response: { 200: z.object({ verified: z.array(z.string()) }), ...errors },
      },
    },
    async (request) =>
      verifyFields(database, studyId, sessionOf(request), request.params.recordId, request.body.itemIds),
  );

  const lockRoutes = [
    {
      url: '/api/v1/records/:recordId',
      params: recordParams,
      target: (p: Record<string, string>) => ({ kind: 'record' as const, recordId: p.recordId ?? '' }),
    },
    {
      url: '/api/v1/participants/:participantId',
      params: participantParams,
      target: (p: Record<string, string>) => ({
        kind: 'participant' as const,
        participantId: p.participantId ?? '',
      }),
    },
    { url: '/api/v1/study', params: z.strictObject({}), target: () => ({ kind: 'study' as const }) },
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
            studyId,
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
    '/api/v1/queries',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary: 'Query inbox (your sites)',
        querystring: queryListQuerySchema,
        response: { 200: z.object({ items: z.array(queryViewSchema), total: z.number().int() }), ...errors },
      },
    },
    async (request) => database.read((db) => listQueries(db, studyId, sessionOf(request), request.query)),
  );

  app.post(
    '/api/v1/queries',
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
      reply.status(201).send(await raiseQuery(database, studyId, sessionOf(request), request.body)),
  );

  for (const action of ['answer', 'close', 'reopen'] as const) {
    app.post(
      `/api/v1/queries/:queryId/${action}`,
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
        actOnQuery(database, studyId, sessionOf(request), request.params.queryId, action, request.body),
    );
  }
}
