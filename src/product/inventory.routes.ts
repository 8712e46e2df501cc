import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { inventoryQuerySchema, inventoryViewSchema, labelQuerySchema } from './inventory.schema.ts';
import { inventorySummary } from './inventory.service.ts';
import { vialLabels } from './label.service.ts';
import { resupplyNeeds, resupplyNeedsSchema } from './resupply.service.ts';

/** The inventory dashboard's summary and the vial label PDF. */
export function inventoryRoutes(app: App, context: AppContext): void {
  const { database, studyId } = context;
  const tags = ['product'];

  app.get(
    '/product/inventory',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary:
          'Vials by site, storage unit and lot: states, available, quarantined, expired and soon to expire',
        querystring: inventoryQuerySchema,
        response: { 200: inventoryViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => inventorySummary(db, studyId, sessionOf(request), request.query)),
  );

  app.get(
    '/product/resupply',
    {
      // Stock by kit type unblinds: the unblinded roles' permission, and armsVisible in the service.
      config: { permission: 'randomisation.view-list' },
      schema: {
        tags,
        summary:
          'Sites whose usable stock of a kit type is below its threshold, with what to send (unblinded roles only)',
        response: { 200: resupplyNeedsSchema, ...errors },
      },
    },
    async (request) => database.read((db) => resupplyNeeds(db, studyId, sessionOf(request))),
  );

  app.get(
    '/product/labels.pdf',
    {
      config: { permission: 'product.manage' },
      schema: {
        tags,
        summary:
          'Vial labels as a PDF (Data Matrix or QR code of the vial code, the code, lot and expiry) for a lot or a list of vial codes',
        querystring: labelQuerySchema,
      },
    },
    async (request, reply) => {
      const { symbology, layout, ...which } = request.query;
      const { labels, header, fileName } = await database.read((db) =>
        vialLabels(db, studyId, sessionOf(request), which),
      );
      // PDFKit and the barcode encoder load on the first print, not with the server.
      const { renderLabelsPdf } = await import('./label-pdf.ts');
      const pdf = await renderLabelsPdf(labels, header, { symbology, layout });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${fileName}"`)
        .header('x-label-count', String(labels.length))
        .send(pdf);
    },
  );
}
