import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { notFound } from '../kernel/errors.ts';
import { inventoryQuerySchema, inventoryViewSchema, labelQuerySchema } from './inventory.schema.ts';
import { inventorySummary } from './inventory.service.ts';
import { vialLabels } from './label.service.ts';
import { shipmentViewSchema } from './product.schema.ts';
import { resupplyNeedsSchema, resupplyShipmentRequestSchema } from './resupply.schema.ts';
import { resupplyNeeds, sendResupply } from './resupply.service.ts';
import { shipmentViews } from './shipment.views.ts';

/** The inventory dashboard's summary and the vial label PDF. */
export function inventoryRoutes(app: App, context: AppContext): void {
  const { database } = context;
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
      database.read((db) => inventorySummary(db, context.studyId, sessionOf(request), request.query)),
  );

  app.get(
    '/product/resupply',
    {
      // Stock by kit type unblinds: the unblinded roles' permission, and armsVisible in the service.
      config: { permission: 'randomisation.view-list' },
      schema: {
        tags,
        summary:
          'Sites whose stock of a kit type is below its threshold, with the shipment proposed: every kit type, kit numbers from the depot (unblinded roles only)',
        response: { 200: resupplyNeedsSchema, ...errors },
      },
    },
    async (request) => database.read((db) => resupplyNeeds(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/product/resupply/shipments',
    {
      // Packing is product.ship; the service asks armsVisible too, since the proposal names kit types.
      config: { permission: 'product.ship' },
      schema: {
        tags,
        summary:
          'Pack the proposed resupply shipment for a site (signed): every kit type in the protocol’s quantities (unblinded roles only)',
        body: resupplyShipmentRequestSchema,
        response: { 201: shipmentViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const caller = sessionOf(request);
      const shipmentId = await sendResupply(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.body,
      );
      const [view] = await database.read((db) => shipmentViews(db, context.studyId, caller, shipmentId));
      if (!view) throw notFound(`Shipment ${shipmentId}`);
      return reply.status(201).send(view);
    },
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
        vialLabels(db, context.studyId, sessionOf(request), which),
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
