import { z } from 'zod';
import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { notFound } from '../kernel/errors.ts';
import { accountabilityReport } from './accountability.service.ts';
import {
  receiveRequestSchema,
  shipmentRequestSchema,
  shipmentViewSchema,
  shipRequestSchema,
} from './product.schema.ts';
import { packShipment, receiveShipment, shipShipment } from './shipment.service.ts';
import { shipmentViews } from './shipment.views.ts';

const shipmentParams = z.strictObject({ shipmentId: z.uuid({ message: 'Not a shipment id.' }) });
const count = z.number().int();
const accountabilitySchema = z.object({
  sites: z.array(
    z.object({
      lotId: z.string(),
      lotNumber: z.string(),
      site: z.string(),
      received: count,
      dispensed: count,
      returned: count,
      returnedUnused: count,
      destroyed: count,
      lost: count,
      onHand: count,
      awaitingDestruction: count,
      difference: count,
    }),
  ),
  lots: z.array(
    z.object({
      lotId: z.string(),
      lotNumber: z.string(),
      manufactured: count,
      registered: count,
      dispensed: count,
      returnedUnused: count,
      destroyed: count,
      lost: count,
      onHand: count,
      inTransit: count,
      awaitingDestruction: count,
      difference: count,
    }),
  ),
  participants: z.array(
    z.object({
      participantId: z.string(),
      studyNumber: z.string().nullable(),
      siteId: z.string(),
      dispensed: count,
      returnedUnused: count,
      visits: z.array(z.string()),
      lots: z.array(z.string()),
      custodyDispensed: count,
      custodyReturned: count,
      overDosed: z.boolean(),
      difference: count,
    }),
  ),
  imbalances: z.array(z.string()),
});

/** Shipments with their chain of custody, and the accountability report. */
export function shipmentRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['product'];
  const one = async (caller: ReturnType<typeof sessionOf>, shipmentId: string) => {
    const [view] = await database.read((db) => shipmentViews(db, context.studyId, caller, shipmentId));
    if (!view) throw notFound(`Shipment ${shipmentId}`);
    return view;
  };

  app.get(
    '/product/shipments',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Shipments with their chain of custody',
        response: { 200: z.array(shipmentViewSchema), ...errors },
      },
    },
    async (request) => database.read((db) => shipmentViews(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/product/shipments',
    {
      config: { permission: 'product.ship' },
      schema: {
        tags,
        summary: 'Pack vials for another unit (signed hand-over)',
        body: shipmentRequestSchema,
        response: { 201: shipmentViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const caller = sessionOf(request);
      const shipmentId = await packShipment(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.body,
      );
      return reply.status(201).send(await one(caller, shipmentId));
    },
  );

  app.post(
    '/product/shipments/:shipmentId/ship',
    {
      config: { permission: 'product.ship' },
      schema: {
        tags,
        summary: 'Hand the shipment to the courier (signed)',
        params: shipmentParams,
        body: shipRequestSchema,
        response: { 200: shipmentViewSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      await shipShipment(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.params.shipmentId,
        request.body,
      );
      return one(caller, request.params.shipmentId);
    },
  );

  app.post(
    '/product/shipments/:shipmentId/receive',
    {
      config: { permission: 'product.ship' },
      schema: {
        tags,
        summary:
          'Receive the shipment with its condition check (signed); unacceptable quarantines every vial',
        params: shipmentParams,
        body: receiveRequestSchema,
        response: { 200: shipmentViewSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      await receiveShipment(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.params.shipmentId,
        request.body,
      );
      return one(caller, request.params.shipmentId);
    },
  );

  app.get(
    '/product/accountability',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary:
          'Accountability per lot, site and participant: received + returned unused = dispensed + returned + destroyed + lost + on hand + awaiting destruction',
        response: { 200: accountabilitySchema, ...errors },
      },
    },
    async (request) => database.read((db) => accountabilityReport(db, context.studyId, sessionOf(request))),
  );
}
