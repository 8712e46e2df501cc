import { z } from 'zod';
import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { enterReleaseResults, getLot, listLots, registerLot, rejectLot, releaseLot } from './lot.service.ts';
import {
  dispositionRequestSchema,
  dispositionResultSchema,
  excursionViewSchema,
  lotRequestSchema,
  lotViewSchema,
  readingsQuerySchema,
  readingsRequestSchema,
  readingsResultSchema,
  readingsViewSchema,
  rejectRequestSchema,
  releaseRequestSchema,
  releaseResultsRequestSchema,
  storageUnitRequestSchema,
  storageUnitSettingsRequestSchema,
  storageUnitViewSchema,
} from './product.schema.ts';
import { shipmentRoutes } from './shipment.routes.ts';
import {
  addReadings,
  createStorageUnit,
  getExcursion,
  listExcursions,
  listStorageUnits,
  readingSeries,
  updateStorageUnitSettings,
} from './storage.service.ts';
import { temperatureImportRoutes } from './temperature-import.routes.ts';
import { dispositionVials } from './vial.service.ts';

const lotParams = z.strictObject({ lotId: z.uuid({ message: 'Not a lot id.' }) });
const unitParams = z.strictObject({ unitId: z.uuid({ message: 'Not a storage unit id.' }) });
const excursionParams = z.strictObject({ excursionId: z.uuid({ message: 'Not an excursion id.' }) });

/** Lots and their release, storage units, temperatures and excursions. */
export function productRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['product'];
  temperatureImportRoutes(app, context);
  shipmentRoutes(app, context);

  app.get(
    '/product/lots',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Lots with their release state',
        response: { 200: z.array(lotViewSchema), ...errors },
      },
    },
    async (request) => database.read((db) => listLots(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/product/lots',
    {
      config: { permission: 'product.manage' },
      schema: {
        tags,
        summary: 'Register a lot and create its vials in a storage unit (pending release)',
        body: lotRequestSchema,
        response: { 201: lotViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const caller = sessionOf(request);
      const lotId = await registerLot(database, context.studyId, caller, request.body);
      return reply.status(201).send(await database.read((db) => getLot(db, context.studyId, caller, lotId)));
    },
  );

  app.get(
    '/product/lots/:lotId',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'One lot with each release test judged',
        params: lotParams,
        response: { 200: lotViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => getLot(db, context.studyId, sessionOf(request), request.params.lotId)),
  );

  app.put(
    '/product/lots/:lotId/release-results',
    {
      config: { permission: 'product.manage' },
      schema: {
        tags,
        summary: 'Enter release test results (numbers, or present/absent/negative/positive)',
        params: lotParams,
        body: releaseResultsRequestSchema,
        response: { 200: lotViewSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      await enterReleaseResults(database, context.studyId, caller, request.params.lotId, request.body);
      return database.read((db) => getLot(db, context.studyId, caller, request.params.lotId));
    },
  );

  app.post(
    '/product/lots/:lotId/release',
    {
      config: { permission: 'product.release' },
      schema: {
        tags,
        summary:
          'Release e-signature (re-enter the password); refused unless every test meets the specification',
        params: lotParams,
        body: releaseRequestSchema,
        response: { 200: lotViewSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      await releaseLot(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.params.lotId,
        request.body,
      );
      return database.read((db) => getLot(db, context.studyId, caller, request.params.lotId));
    },
  );

  app.post(
    '/product/lots/:lotId/reject',
    {
      config: { permission: 'product.release' },
      schema: {
        tags,
        summary: 'Reject a lot (signed, with the reason)',
        params: lotParams,
        body: rejectRequestSchema,
        response: { 200: lotViewSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      await rejectLot(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.params.lotId,
        request.body,
      );
      return database.read((db) => getLot(db, context.studyId, caller, request.params.lotId));
    },
  );

  app.get(
    '/product/storage-units',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Storage units of your sites and the depot',
        response: { 200: z.array(storageUnitViewSchema), ...errors },
      },
    },
    async (request) => database.read((db) => listStorageUnits(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/product/storage-units',
    {
      config: { permission: 'product.manage' },
      schema: {
        tags,
        summary: 'Add a freezer, refrigerator, shipping container or room with its allowed range',
        body: storageUnitRequestSchema,
        response: { 201: storageUnitViewSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createStorageUnit(database, context.studyId, sessionOf(request), request.body)),
  );

  app.patch(
    '/product/storage-units/:unitId',
    {
      config: { permission: 'product.manage' },
      schema: {
        tags,
        summary:
          "Change a unit's temperature-log settings: the longest silence allowed before a data gap (null: 3× each file's median interval)",
        params: unitParams,
        body: storageUnitSettingsRequestSchema,
        response: { 200: storageUnitViewSchema, ...errors },
      },
    },
    async (request) =>
      updateStorageUnitSettings(
        database,
        context.studyId,
        sessionOf(request),
        request.params.unitId,
        request.body,
      ),
  );

  app.get(
    '/product/storage-units/:unitId/readings',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Temperature series for the chart (thinned to min/max per bucket) and the excursions',
        params: unitParams,
        querystring: readingsQuerySchema,
        response: { 200: readingsViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        readingSeries(db, context.studyId, sessionOf(request), request.params.unitId, request.query),
      ),
  );

  app.post(
    '/product/storage-units/:unitId/readings',
    {
      config: { permission: 'product.store' },
      schema: {
        tags,
        summary:
          'Enter temperature readings by hand; an excursion longer than allowed quarantines the vials inside',
        params: unitParams,
        body: readingsRequestSchema,
        response: { 201: readingsResultSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await addReadings(
            database,
            context.studyId,
            sessionOf(request),
            request.params.unitId,
            request.body.readings,
          ),
        ),
  );

  app.get(
    '/product/excursions',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Temperature excursions with the vials awaiting disposition',
        response: { 200: z.array(excursionViewSchema), ...errors },
      },
    },
    async (request) => database.read((db) => listExcursions(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/product/excursions/:excursionId/disposition',
    {
      config: { permission: 'product.disposition' },
      schema: {
        tags,
        summary: 'Release or destroy every quarantined vial of an excursion (e-signature, with the reason)',
        params: excursionParams,
        body: dispositionRequestSchema,
        response: { 200: dispositionResultSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      const { vials } = await dispositionVials(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.params,
        request.body,
      );
      const excursion = await database.read((db) =>
        getExcursion(db, context.studyId, caller, request.params.excursionId),
      );
      return { ...excursion, vials };
    },
  );
}
