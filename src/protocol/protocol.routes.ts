import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { authorize } from '../kernel/permissions.ts';
import { currentProtocol, protocolVersion as loadVersion } from '../study/protocol-store.ts';
import { amendProtocol, listProtocolVersions, protocolSource } from './amendment.service.ts';
import {
  amendmentRequestSchema,
  protocolValidateRequestSchema,
  protocolValidationSchema,
  protocolVersionParamsSchema,
  protocolVersionSchema,
  protocolVersionSummarySchema,
} from './protocol-version.schema.ts';
import { siteApprovalRequestSchema, siteProtocolStatusSchema } from './site-approval.schema.ts';
import { approveAtSite, listSiteApprovals } from './site-approval.service.ts';
import { parseProtocolOnServer } from './unit-checks.ts';

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
};

export function protocolRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['protocol'];

  app.get(
    '/protocol',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary:
          'The current protocol version: schedule, forms, rules, eligibility (what the web app renders forms from)',
        response: { 200: protocolVersionSchema, ...errors },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const { versionNo, label, protocol } = await database.read((db) =>
        currentProtocol(db, context.studyId),
      );
      return { versionNo, label, protocol };
    },
  );

  app.get(
    '/protocol/versions',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Every protocol version of the study',
        response: { 200: z.array(protocolVersionSummarySchema), ...errors },
      },
    },
    async (request) => database.read((db) => listProtocolVersions(db, context.studyId, sessionOf(request))),
  );

  app.get(
    '/protocol/versions/:versionNo',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'One protocol version',
        params: protocolVersionParamsSchema,
        response: { 200: protocolVersionSchema, ...errors },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const { versionNo, label, protocol } = await database.read((db) =>
        loadVersion(db, context.studyId, request.params.versionNo),
      );
      return { versionNo, label, protocol };
    },
  );

  app.get(
    '/protocol/versions/:versionNo/source',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Download the YAML a protocol version was loaded from (the source of truth)',
        params: protocolVersionParamsSchema,
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const { versionNo, source } = await database.read((db) =>
        protocolSource(db, context.studyId, sessionOf(request), request.params.versionNo),
      );
      return reply
        .type('application/yaml; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="${context.studyId}-protocol-v${versionNo}.yaml"`,
        )
        .send(source);
    },
  );

  app.post(
    '/protocol/validate',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Check a protocol file without saving it: every problem with its path and line',
        body: protocolValidateRequestSchema,
        response: {
          200: protocolValidationSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const result = parseProtocolOnServer(request.body.source);
      return result.ok ? { ok: true, problems: [] } : { ok: false, problems: result.problems };
    },
  );

  app.post(
    '/protocol/versions',
    {
      config: { permission: 'protocol.manage' },
      schema: {
        tags,
        summary:
          'Amend the protocol: a valid file becomes the next version (data already entered keeps its version)',
        body: amendmentRequestSchema,
        response: { 201: protocolVersionSummarySchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await amendProtocol(database, context.studyId, sessionOf(request), request.body)),
  );

  app.get(
    '/protocol/approvals',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Each site with the protocol version it works under and the ethics approvals recorded there',
        response: { 200: z.array(siteProtocolStatusSchema), ...errors },
      },
    },
    async (request) => database.read((db) => listSiteApprovals(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/protocol/versions/:versionNo/approvals',
    {
      config: { permission: 'protocol.manage' },
      schema: {
        tags,
        summary:
          "Record a site's ethics approval of a protocol version: the site's new data are entered under it",
        params: protocolVersionParamsSchema,
        body: siteApprovalRequestSchema,
        response: { 201: siteProtocolStatusSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await approveAtSite(
            database,
            context.studyId,
            sessionOf(request),
            request.params.versionNo,
            request.body,
          ),
        ),
  );
}
