import { z } from 'zod';
import { authorize } from '../auth/permissions.ts';
import { errorBodySchema } from '../server/api-schemas.ts';
import { sessionOf } from '../server/authentication.ts';
import type { App, AppContext } from '../server/context.ts';
import { currentProtocol } from '../study/protocol-store.ts';

export function protocolRoutes(app: App, context: AppContext): void {
  app.get(
    '/api/v1/protocol',
    {
      schema: {
        tags: ['protocol'],
        summary:
          'The current protocol version: schedule, forms, rules, eligibility (what the web app renders forms from)',
        response: {
          200: z.object({
            versionNo: z.number().int(),
            label: z.string(),
            protocol: z.record(z.string(), z.unknown()),
          }),
          401: errorBodySchema,
          403: errorBodySchema,
        },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'protocol.read');
      const { versionNo, label, protocol } = await context.database.read((db) =>
        currentProtocol(db, context.studyId),
      );
      return { versionNo, label, protocol };
    },
  );
}
