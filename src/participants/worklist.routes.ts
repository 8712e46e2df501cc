import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { participantWorklistSchema, studyWorklistSchema, worklistQuerySchema } from './worklist.schema.ts';
import { participantWorklist, studyWorklist } from './worklist.service.ts';

const errors = recordErrorResponses;
const params = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });

export function worklistRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['participants'];

  app.get(
    '/worklist',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: 'Forms due today, overdue and missing at the sites you see (or one site), with how late',
        description:
          "Computed from the protocol's visit windows on each participant's day 1, on the site's date in its time zone. `state` lists one state only; the counts cover all three.",
        querystring: worklistQuerySchema,
        response: { 200: studyWorklistSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => studyWorklist(db, context.studyId, sessionOf(request), request.query)),
  );

  app.get(
    '/participants/:participantId/worklist',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: "A participant's scheduled forms: done, upcoming, due today, overdue or missing",
        params,
        response: { 200: participantWorklistSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        participantWorklist(db, context.studyId, sessionOf(request), request.params.participantId),
      ),
  );
}
