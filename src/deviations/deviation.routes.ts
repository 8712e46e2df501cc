import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import {
  decideDeviationSchema,
  deviationListQuerySchema,
  deviationListSchema,
  deviationSchema,
  recordDeviationSchema,
} from './deviation.schema.ts';
import { decideDeviation, listDeviations, recordDeviation } from './deviation.service.ts';

const errors = recordErrorResponses;
const params = z.strictObject({ deviationId: z.uuid({ message: 'Not a deviation id.' }) });

export function deviationRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['deviations'];

  app.get(
    '/deviations',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: 'The protocol deviation log of the sites you see (filter by site, participant, status)',
        querystring: deviationListQuerySchema,
        response: { 200: deviationListSchema, ...errors },
      },
    },
    async (request) => ({
      deviations: await database.read((db) =>
        listDeviations(db, context.studyId, sessionOf(request), request.query),
      ),
    }),
  );

  app.post(
    '/deviations',
    {
      config: { permission: 'deviation.record' },
      schema: {
        tags,
        summary: 'Record a protocol deviation by hand; it waits for an investigator or monitor to confirm it',
        body: recordDeviationSchema,
        response: { 201: deviationSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await recordDeviation(database, context.studyId, sessionOf(request), request.body)),
  );

  app.post(
    '/deviations/:deviationId/decision',
    {
      config: { permission: 'deviation.confirm' },
      schema: {
        tags,
        summary: 'Confirm (classifying it) or reject (with a reason) a proposed deviation',
        params,
        body: decideDeviationSchema,
        response: { 200: deviationSchema, ...errors },
      },
    },
    async (request) =>
      decideDeviation(
        database,
        context.studyId,
        sessionOf(request),
        request.params.deviationId,
        request.body,
      ),
  );
}
