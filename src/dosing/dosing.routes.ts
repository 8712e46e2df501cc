import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { doseSchedule, recordAdministration, updateAdministration } from './administration.service.ts';
import {
  doseScheduleSchema,
  dosingOverviewSchema,
  recordAdministrationRequestSchema,
  savedAdministrationSchema,
  updateAdministrationRequestSchema,
} from './dosing.schema.ts';
import { dosingOverview } from './dosing-overview.service.ts';

const errors = recordErrorResponses;
const participantParams = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });
const doseParams = participantParams.extend({ visitId: z.string().min(1).max(64) });
const administrationParams = z.strictObject({
  administrationId: z.uuid({ message: 'Not a dose record id.' }),
});

export function dosingRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['dosing'];

  app.get(
    '/dosing/overview',
    {
      config: { permission: 'dosing.read' },
      schema: {
        tags,
        summary:
          "Every enrolled participant of the caller's sites: each dose's state (missed) and timing (early, delayed), and compliance",
        response: { 200: dosingOverviewSchema, ...errors },
      },
    },
    async (request) => database.read((db) => dosingOverview(db, context.studyId, sessionOf(request))),
  );

  app.get(
    '/participants/:participantId/doses',
    {
      config: { permission: 'dosing.read' },
      schema: {
        tags,
        summary:
          "A participant's scheduled doses: windows, states, records, inhalation-event flags, compliance",
        params: participantParams,
        response: { 200: doseScheduleSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        doseSchedule(db, context.studyId, sessionOf(request), request.params.participantId),
      ),
  );

  app.post(
    '/participants/:participantId/doses/:visitId',
    {
      config: { permission: 'dosing.record' },
      schema: {
        tags,
        summary: 'Record a scheduled dose (given from a dispensed vial, interrupted, or not given)',
        params: doseParams,
        body: recordAdministrationRequestSchema,
        response: { 201: savedAdministrationSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await recordAdministration(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.params.visitId,
        request.body,
      );
      return reply.status(201).send(view);
    },
  );

  app.put(
    '/doses/:administrationId',
    {
      config: { permission: 'dosing.record' },
      schema: {
        tags,
        summary: 'Correct a dose record (version and reason required)',
        params: administrationParams,
        body: updateAdministrationRequestSchema,
        response: { 200: savedAdministrationSchema, ...errors },
      },
    },
    async (request) =>
      updateAdministration(
        database,
        context.studyId,
        sessionOf(request),
        request.params.administrationId,
        request.body,
      ),
  );
}
