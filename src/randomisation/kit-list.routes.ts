import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import {
  extendKitListRequestSchema,
  generateKitListRequestSchema,
  kitListQuerySchema,
  kitListSchema,
  kitListStatusSchema,
  sealKitListRequestSchema,
} from './kit-list.schema.ts';
import { extendKits, generateKits, kitListStatus, kitListView, sealKits } from './kit-list.service.ts';

const errors = recordErrorResponses;

/** The kit list (RTSM): generated and sealed by the statistician; its kit types shown only to unblinded roles. */
export function kitListRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['randomisation'];

  app.get(
    '/kits',
    {
      config: { permission: 'study.read' },
      schema: {
        tags,
        summary: 'Whether the kit list is ready: status, hash and size (no kit types)',
        response: { 200: kitListStatusSchema, ...errors },
      },
    },
    async (request) => database.read((db) => kitListStatus(db, context.studyId, sessionOf(request))),
  );

  app.get(
    '/kits/list',
    {
      // The unblinded roles' permission; the service asks armsVisible too, the one rule for arms.
      config: { permission: 'randomisation.view-list' },
      schema: {
        tags,
        summary:
          'A page of the kit list (in list order, with the total) with its seed and each kit number’s type (unblinded roles only)',
        querystring: kitListQuerySchema,
        response: { 200: kitListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => kitListView(db, context.studyId, sessionOf(request), request.query)),
  );

  app.post(
    '/kits/list',
    {
      config: { permission: 'randomisation.manage' },
      schema: {
        tags,
        summary: 'Generate (or, before sealing, regenerate) the kit list from a recorded seed',
        body: generateKitListRequestSchema,
        response: { 200: kitListStatusSchema, ...errors },
      },
    },
    async (request) => generateKits(database, context.studyId, sessionOf(request), request.body),
  );

  app.post(
    '/kits/list/seal',
    {
      config: { permission: 'randomisation.manage' },
      schema: {
        tags,
        summary:
          'Seal the kit list checked (named by its hash): lots of a kit type may then take its numbers',
        body: sealKitListRequestSchema,
        response: { 200: kitListStatusSchema, ...errors },
      },
    },
    async (request) => sealKits(database, context.studyId, sessionOf(request), request.body),
  );

  app.post(
    '/kits/list/extend',
    {
      config: { permission: 'randomisation.manage' },
      schema: {
        tags,
        summary:
          'Extend the sealed kit list with a further block, sealed at once: new kit numbers that never repeat one listed',
        body: extendKitListRequestSchema,
        response: { 200: kitListStatusSchema, ...errors },
      },
    },
    async (request) => extendKits(database, context.studyId, sessionOf(request), request.body),
  );
}
