import { z } from 'zod';
import { authorize } from '../auth/permissions.ts';
import { errorBodySchema } from '../server/api-schemas.ts';
import { sessionOf } from '../server/authentication.ts';
import type { App, AppContext } from '../server/context.ts';
import { currentProtocol, protocolVersion as loadVersion } from '../study/protocol-store.ts';
import { amendProtocol, listProtocolVersions, protocolSource } from './amendment.service.ts';
import { parseProtocolText } from './parse-text.ts';

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
};
const versionSummary = z.object({
  versionNo: z.number().int(),
  label: z.string(),
  loadedAt: z.string(),
  loadedBy: z.string().nullable(),
  loadedByName: z.string().nullable(),
  current: z.boolean(),
});
const protocolBody = z.object({
  versionNo: z.number().int(),
  label: z.string(),
  protocol: z.record(z.string(), z.unknown()),
});
const versionParams = z.strictObject({ versionNo: z.coerce.number().int().min(1).max(100_000) });
const MAX_SOURCE = 2_000_000;

export function protocolRoutes(app: App, context: AppContext): void {
  const { database, studyId } = context;
  const tags = ['protocol'];

  app.get(
    '/api/v1/protocol',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary:
          'The current protocol version: schedule, forms, rules, eligibility (what the web app renders forms from)',
        response: { 200: protocolBody, ...errors },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const { versionNo, label, protocol } = await database.read((db) => currentProtocol(db, studyId));
      return { versionNo, label, protocol };
    },
  );

  app.get(
    '/api/v1/protocol/versions',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Every protocol version of the study',
        response: { 200: z.array(versionSummary), ...errors },
      },
    },
    async (request) => database.read((db) => listProtocolVersions(db, studyId, sessionOf(request))),
  );

  app.get(
    '/api/v1/protocol/versions/:versionNo',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'One protocol version',
        params: versionParams,
        response: { 200: protocolBody, ...errors },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const { versionNo, label, protocol } = await database.read((db) =>
        loadVersion(db, studyId, request.params.versionNo),
      );
      return { versionNo, label, protocol };
    },
  );

  app.get(
    '/api/v1/protocol/versions/:versionNo/source',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Download the YAML a protocol version was loaded from (the source of truth)',
        params: versionParams,
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const { versionNo, source } = await database.read((db) =>
        protocolSource(db, studyId, sessionOf(request), request.params.versionNo),
      );
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${studyId}-protocol-v${versionNo}.yaml"`)
        .send(source);
    },
  );

  app.post(
    '/api/v1/protocol/validate',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary: 'Check a protocol file without saving it: every problem with its path and line',
        body: z.strictObject({ source: z.string().max(MAX_SOURCE) }),
        response: {
          200: z.object({
            ok: z.boolean(),
            problems: z.array(
              z.object({ path: z.string(), line: z.number().int().optional(), message: z.string() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const result = parseProtocolText(request.body.source);
      return result.ok ? { ok: true, problems: [] } : { ok: false, problems: result.problems };
    },
  );

  app.post(
    '/api/v1/protocol/versions',
    {
      config: { permission: 'protocol.manage' },
      schema: {
        tags,
        summary:
          'Amend the protocol: a valid file becomes the next version (data already entered keeps its version)',
        body: z.strictObject({
          source: z.string().min(1).max(MAX_SOURCE),
          reason: z.string().trim().min(1, { message: 'Give the reason for the amendment.' }).max(1000),
        }),
        response: { 201: versionSummary, ...errors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await amendProtocol(database, studyId, sessionOf(request), request.body)),
  );
}
