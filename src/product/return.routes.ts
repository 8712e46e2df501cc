import { z } from 'zod';
import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { returnListQuerySchema, returnRequestSchema, returnViewSchema } from './return.schema.ts';
import { listReturns, returnVial } from './return.service.ts';

const dispensingParams = z.strictObject({ dispensingId: z.uuid({ message: 'Not a dispensing id.' }) });

/** Returns of unused vials to the pharmacy. */
export function returnRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['product'];

  app.post(
    '/product/dispensings/:dispensingId/return',
    {
      config: { permission: 'product.dispense' },
      schema: {
        tags,
        summary:
          'Record a dispensed vial that came back unused (scan it, say why): held for destruction; the dose visit may be dispensed again',
        params: dispensingParams,
        body: returnRequestSchema,
        response: { 200: returnViewSchema, ...errors },
      },
    },
    async (request) =>
      returnVial(database, context.studyId, sessionOf(request), request.params.dispensingId, request.body),
  );

  app.get(
    '/product/returns',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Vials returned unused, newest first (only your sites unless study-wide)',
        querystring: returnListQuerySchema,
        response: { 200: z.array(returnViewSchema), ...errors },
      },
    },
    async (request) =>
      database.read((db) => listReturns(db, context.studyId, sessionOf(request), request.query)),
  );
}
