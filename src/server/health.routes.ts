import { sql } from 'kysely';
import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { DomainError } from '../kernel/errors.ts';
import { exotrialVersion } from '../version.ts';

const healthSchema = z.object({
  status: z.literal('ok'),
  database: z.enum(['pglite', 'postgres']),
  version: z.string(),
});

export function healthRoutes(app: App, context: AppContext): void {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Liveness and database reachability',
        response: { 200: healthSchema, 503: errorBodySchema },
      },
    },
    async () => {
      try {
        await context.database.read((db) => sql`select 1`.execute(db));
      } catch {
        throw new DomainError('unavailable', 'The database does not answer.');
      }
      return { status: 'ok' as const, database: context.database.kind, version: exotrialVersion };
    },
  );
}
