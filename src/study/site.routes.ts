import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { authorize } from '../kernel/permissions.ts';
import { addSite, listSites, siteDetail, updateSiteSettings } from './site.service.ts';
import {
  newSiteSchema,
  siteDetailSchema,
  siteEntrySchema,
  siteSettingsSchema,
  siteViewSchema,
} from './study.schema.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };

export function siteRoutes(app: App, context: AppContext): void {
  const { database } = context;

  app.get(
    '/sites',
    {
      config: { permission: 'study.read' },
      schema: {
        tags: ['sites'],
        summary: 'The sites of the study',
        response: { 200: z.array(siteEntrySchema), ...errors },
      },
    },
    async (request) => {
      // The handler checks its caller too, so it stays closed should the route's declaration change.
      authorize(sessionOf(request).user, 'study.read');
      return database.read((db) => listSites(db, context.studyId));
    },
  );

  app.get(
    '/sites/:siteId',
    {
      config: { permission: 'study.read', siteParam: 'siteId' },
      schema: {
        tags: ['sites'],
        summary: 'One site and its staff (only for people who work there or see every site)',
        params: z.object({ siteId: z.string().min(1).max(64) }),
        response: { 200: siteDetailSchema, ...errors, 404: errorBodySchema },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'study.read', { siteId: request.params.siteId });
      return database.read((db) => siteDetail(db, context.studyId, request.params.siteId));
    },
  );

  app.post(
    '/sites',
    {
      config: { permission: 'site.manage' },
      schema: {
        tags: ['sites'],
        summary: 'Add a site',
        body: newSiteSchema,
        response: { 201: siteViewSchema, ...errors, 409: errorBodySchema },
      },
    },
    async (request, reply) => {
      const site = await database.transaction((trx) =>
        addSite(trx, context.studyId, sessionOf(request).actor, request.body),
      );
      return reply.status(201).send(site);
    },
  );

  app.put(
    '/sites/:siteId/settings',
    {
      config: { permission: 'site.manage', siteParam: 'siteId' },
      schema: {
        tags: ['sites'],
        summary: "Set a site's altitude and barometric pressure (used by the PaO2/FiO2 correction)",
        params: z.object({ siteId: z.string().min(1).max(64) }),
        body: siteSettingsSchema,
        response: { 200: siteEntrySchema, ...errors, 404: errorBodySchema },
      },
    },
    async (request) => {
      const { user, actor } = sessionOf(request);
      authorize(user, 'site.manage', { siteId: request.params.siteId });
      return database.transaction((trx) =>
        updateSiteSettings(trx, context.studyId, actor, request.params.siteId, request.body),
      );
    },
  );
}
