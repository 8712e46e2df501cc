import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { authorize } from '../kernel/permissions.ts';
import { studyOverviewSchema } from './study.schema.ts';
import { studyOverview } from './study.service.ts';

export function studyRoutes(app: App, context: AppContext): void {
  app.get(
    '/study',
    {
      config: { permission: 'study.read' },
      schema: {
        tags: ['study'],
        summary: 'The study served: identity, sites, current protocol version and counts',
        response: { 200: studyOverviewSchema, 401: errorBodySchema, 403: errorBodySchema },
      },
    },
    async (request) => {
      authorize(sessionOf(request).user, 'study.read');
      return context.database.read((db) => studyOverview(db, context.studyId));
    },
  );
}
