import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { listAuditEvents } from './audit.query.ts';
import { auditPageSchema, auditQuerySchema } from './audit-query.schema.ts';

export function auditRoutes(app: App, context: AppContext): void {
  app.get(
    '/audit',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary:
          'The audit trail, newest first, filtered by record, participant, actor, action, site and time; ' +
          'page with beforeSeq',
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) =>
      context.database.read((db) =>
        listAuditEvents(db, context.studyId, request.query, sessionOf(request).user),
      ),
  );
}
