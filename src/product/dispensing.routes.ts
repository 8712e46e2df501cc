import { z } from 'zod';
import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { dispenseVial, participantDispensings, proposeVial } from './dispensing.service.ts';
import {
  dispenseRequestSchema,
  dispensingViewSchema,
  dispositionRequestSchema,
  moveRequestSchema,
  proposalQuerySchema,
  proposalViewSchema,
  thawRequestSchema,
  vialActionRequestSchema,
  vialListQuerySchema,
  vialListSchema,
  vialViewSchema,
} from './product.schema.ts';
import { returnRoutes } from './return.routes.ts';
import { dispositionVials, getVial, listVials, moveVial, thawVial, writeOffVial } from './vial.service.ts';

const vialParams = z.strictObject({ vialId: z.uuid({ message: 'Not a vial id.' }) });
const participantParams = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });

/** Vials (find, scan, thaw, move, destroy, lose, disposition), dispensing and returns. */
export function dispensingRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['product'];
  returnRoutes(app, context);

  app.get(
    '/product/vials',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'Vials by lot, site, unit, state or quarantine (only your sites and the depot)',
        querystring: vialListQuerySchema,
        response: { 200: vialListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listVials(db, context.studyId, sessionOf(request), request.query)),
  );

  app.get(
    '/product/vials/by-code/:code',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: 'A vial by its scanned label code',
        params: z.strictObject({ code: z.string().min(1).max(100) }),
        response: { 200: vialViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => getVial(db, context.studyId, sessionOf(request), { code: request.params.code })),
  );

  app.get(
    '/product/vials/:vialId',
    {
      config: { permission: 'product.read' },
      schema: { tags, summary: 'One vial', params: vialParams, response: { 200: vialViewSchema, ...errors } },
    },
    async (request) =>
      database.read((db) => getVial(db, context.studyId, sessionOf(request), request.params)),
  );

  app.post(
    '/product/vials/:vialId/thaw',
    {
      config: { permission: 'product.dispense' },
      schema: {
        tags,
        summary: 'Record that a vial was taken out to thaw: the thaw-to-use window starts',
        params: vialParams,
        body: thawRequestSchema,
        response: { 200: vialViewSchema, ...errors },
      },
    },
    async (request) =>
      thawVial(database, context.studyId, sessionOf(request), request.params.vialId, request.body.version),
  );

  app.post(
    '/product/vials/:vialId/move',
    {
      config: { permission: 'product.store' },
      schema: {
        tags,
        summary: 'Move a vial to another unit of the same site',
        params: vialParams,
        body: moveRequestSchema,
        response: { 200: vialViewSchema, ...errors },
      },
    },
    async (request) =>
      moveVial(database, context.studyId, sessionOf(request), request.params.vialId, request.body),
  );

  for (const kind of ['destroyed', 'lost'] as const) {
    app.post(
      `/product/vials/:vialId/${kind === 'destroyed' ? 'destroy' : 'lose'}`,
      {
        config: { permission: 'product.disposition' },
        schema: {
          tags,
          summary:
            kind === 'destroyed'
              ? 'Record the destruction of a vial, with the reason'
              : 'Record a vial as lost, with the circumstances',
          params: vialParams,
          body: vialActionRequestSchema,
          response: { 200: vialViewSchema, ...errors },
        },
      },
      async (request) =>
        writeOffVial(database, context.studyId, sessionOf(request), request.params.vialId, {
          kind,
          ...request.body,
        }),
    );
  }

  app.post(
    '/product/vials/:vialId/disposition',
    {
      config: { permission: 'product.disposition' },
      schema: {
        tags,
        summary: 'Release a quarantined vial to stock or destroy it (e-signature, with the reason)',
        params: vialParams,
        body: dispositionRequestSchema,
        response: { 200: vialViewSchema, ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      await dispositionVials(
        database,
        context.studyId,
        caller,
        context.config.lockout,
        request.params,
        request.body,
      );
      return database.read((db) => getVial(db, context.studyId, caller, request.params));
    },
  );

  app.get(
    '/product/participants/:participantId/proposal',
    {
      config: { permission: 'product.dispense' },
      schema: {
        tags,
        summary: "The vial to dispense for a participant's dose visit, or why none can be",
        params: participantParams,
        querystring: proposalQuerySchema,
        response: { 200: proposalViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        proposeVial(
          db,
          context.studyId,
          sessionOf(request),
          request.params.participantId,
          request.query.visitId,
        ),
      ),
  );

  app.get(
    '/product/participants/:participantId/dispensings',
    {
      config: { permission: 'product.read' },
      schema: {
        tags,
        summary: "A participant's dispensed vials",
        params: participantParams,
        response: { 200: z.array(dispensingViewSchema), ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        participantDispensings(db, context.studyId, sessionOf(request), request.params.participantId),
      ),
  );

  app.post(
    '/product/dispensings',
    {
      config: { permission: 'product.dispense' },
      schema: {
        tags,
        summary:
          'Dispense the scanned vial for a dose; refused (details.reason) if wrong, quarantined, expired, used, in transit or of another site',
        body: dispenseRequestSchema,
        response: { 201: dispensingViewSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await dispenseVial(database, context.studyId, sessionOf(request), request.body)),
  );
}
