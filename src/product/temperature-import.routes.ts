import type { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { authorize } from '../kernel/permissions.ts';
import { findUnit } from './product.queries.ts';
import { importResultSchema } from './product.schema.ts';
import { importTemperatures } from './temperature-import.service.ts';

const unitParams = z.strictObject({ unitId: z.uuid({ message: 'Not a storage unit id.' }) });
const fileQuery = z.strictObject({
  fileName: z.string().trim().min(1).max(255).default('upload.csv'),
  /** `true`: store the good rows of a file with bad rows (by default such a file stores nothing). */
  skipBadRows: z
    .enum(['true', 'false'], { message: 'Use skipBadRows=true or skipBadRows=false.' })
    .default('false')
    .transform((value) => value === 'true'),
});

/** A logger's CSV file sent as the request body (text/csv), read as a stream: no size held in memory. */
export function temperatureImportRoutes(app: App, context: AppContext): void {
  const { database } = context;
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(['text/csv', 'text/plain'], (_request, payload, done) => done(null, payload));
    scope.post(
      '/product/storage-units/:unitId/temperature-imports',
      {
        config: { permission: 'product.store' },
        schema: {
          tags: ['product'],
          summary:
            "Import a data logger's CSV (body text/csv), all or nothing: a file with bad rows (unreadable, in the future, out of time order, or disagreeing with another reading of the same instant) stores nothing and lists them by line; with skipBadRows=true its good rows are stored. Excursions and data gaps are detected over what was stored",
          params: unitParams,
          querystring: fileQuery,
          response: { 201: importResultSchema, ...errors },
        },
      },
      async (request, reply) => {
        const caller = sessionOf(request);
        const unit = await database.read((db) => findUnit(db, context.studyId, request.params.unitId));
        authorize(caller.user, 'product.store', unit.site_id ? { siteId: unit.site_id } : undefined);
        const body = request.body as Readable | undefined;
        if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') {
          return reply.status(415).send({
            error: 'unsupported_media_type',
            message: 'Send the logger file as the request body with Content-Type: text/csv.',
          });
        }
        const result = await importTemperatures(database, context.studyId, caller.actor, unit.unit_id, body, {
          fileName: request.query.fileName,
          skipBadRows: request.query.skipBadRows,
        });
        return reply.status(201).send(result);
      },
    );
  });
}
