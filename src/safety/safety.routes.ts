import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { validationFailed } from '../kernel/errors.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import {
  createAdverseEvent,
  getAdverseEvent,
  listAdverseEvents,
  updateAdverseEvent,
} from './adverse-event.service.ts';
import { safetyDashboard } from './dashboard.service.ts';
import { adverseEventHistory } from './history.service.ts';
import { listPauses, pauseDosing, resumeDosing } from './pause.service.ts';
import {
  adverseEventListQuerySchema,
  adverseEventListSchema,
  adverseEventViewSchema,
  aeHistoryEntrySchema,
  createAdverseEventRequestSchema,
  dashboardSchema,
  pauseRequestSchema,
  pauseViewSchema,
  resumeRequestSchema,
  SIMULATION_MAX_STEPS,
  saveAdverseEventResponseSchema,
  simulationRequestSchema,
  simulationResultSchema,
  submissionRequestSchema,
  submissionViewSchema,
  updateAdverseEventRequestSchema,
} from './safety.schema.ts';
import { simulateStoppingRules } from './safety-simulation.ts';
import { recordSubmission } from './submission.service.ts';

const errors = recordErrorResponses;
const aeParams = z.strictObject({ aeId: z.uuid({ message: 'Not an adverse event id.' }) });
const participantParams = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });
const pauseParams = z.strictObject({ pauseId: z.uuid({ message: 'Not a pause id.' }) });

export function safetyRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['safety'];

  app.post(
    '/safety/simulation',
    {
      config: { permission: 'protocol.read' },
      schema: {
        tags,
        summary:
          "Each stopping rule of the study's protocol simulated on its own (Monte Carlo): the probability of tripping and the number enrolled when it does, per true event rate",
        body: simulationRequestSchema,
        response: { 200: simulationResultSchema, ...errors },
      },
    },
    async (request) => {
      const { protocol } = await database.read((db) => currentProtocol(db, context.studyId));
      const participants = request.body.participants ?? protocol.study.plannedEnrolment;
      const steps =
        participants *
        request.body.runs *
        request.body.trueRates.length *
        protocol.safety.stoppingRules.length;
      if (steps > SIMULATION_MAX_STEPS) {
        throw validationFailed([
          {
            field: 'runs',
            message: `That is ${steps.toLocaleString('en')} simulated steps, more than ${SIMULATION_MAX_STEPS.toLocaleString('en')}: lower the runs, the participants or the rates (the command line has no such limit).`,
          },
        ]);
      }
      return simulateStoppingRules(protocol, {
        trueRates: [...new Set(request.body.trueRates)].sort((a, b) => a - b),
        participants,
        runs: request.body.runs,
        seed: request.body.seed,
      });
    },
  );

  app.get(
    '/adverse-events',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary:
          "Adverse events of the caller's sites, newest first, with their clocks; filter by participant, grade, seriousness, relatedness",
        querystring: adverseEventListQuerySchema,
        response: { 200: adverseEventListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listAdverseEvents(db, context.studyId, sessionOf(request), request.query)),
  );

  app.post(
    '/participants/:participantId/adverse-events',
    {
      config: { permission: 'safety.report' },
      schema: {
        tags,
        summary:
          "Record an adverse event (the protocol's adverseEvent form items); causality and expectedness need safety.assess",
        params: participantParams,
        body: createAdverseEventRequestSchema,
        response: { 201: saveAdverseEventResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const saved = await createAdverseEvent(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.body,
      );
      return reply.status(201).send(saved);
    },
  );

  app.get(
    '/adverse-events/:aeId',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: 'One adverse event with its clocks and submissions',
        params: aeParams,
        response: { 200: adverseEventViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => getAdverseEvent(db, context.studyId, sessionOf(request), request.params.aeId)),
  );

  app.get(
    '/adverse-events/:aeId/history',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary:
          'The history of one adverse event from the audit trail: values entered and changed with reasons, reports sent, queries',
        params: aeParams,
        response: { 200: z.array(aeHistoryEntrySchema), ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        adverseEventHistory(db, context.studyId, sessionOf(request), request.params.aeId),
      ),
  );

  app.put(
    '/adverse-events/:aeId',
    {
      // Reporters change the facts (safety.report), investigators and the safety officer the judgement
      // (causality, expectedness: safety.assess); the service checks which the change needs.
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: 'Change an adverse event: the fields sent replace those fields; a stale version gets 409',
        params: aeParams,
        body: updateAdverseEventRequestSchema,
        response: { 200: saveAdverseEventResponseSchema, ...errors },
      },
    },
    async (request) =>
      updateAdverseEvent(database, context.studyId, sessionOf(request), request.params.aeId, request.body),
  );

  for (const reporter of ['site', 'sponsor'] as const) {
    app.post(
      `/adverse-events/:aeId/submissions/${reporter}`,
      {
        config: { permission: reporter === 'site' ? 'safety.report' : 'safety.submit' },
        schema: {
          tags,
          summary:
            reporter === 'site'
              ? "Record the site's report to the sponsor under a site clock (initial or follow-up); an e-signature with the password"
              : "Record the sponsor's report to the regulator under a sponsor clock (initial or follow-up); an e-signature with the password",
          params: aeParams,
          body: submissionRequestSchema,
          response: { 201: submissionViewSchema, ...errors },
        },
      },
      async (request, reply) => {
        const submission = await recordSubmission(
          database,
          context.studyId,
          sessionOf(request),
          context.config.lockout,
          request.params.aeId,
          reporter,
          request.body,
        );
        return reply.status(201).send(submission);
      },
    );
  }

  app.get(
    '/safety/dashboard',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: 'Events by grade and relatedness, clocks due and overdue, stopping rules, dosing pauses',
        response: { 200: dashboardSchema, ...errors },
      },
    },
    async (request) => database.read((db) => safetyDashboard(db, context.studyId, sessionOf(request))),
  );

  app.get(
    '/safety/pauses',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: 'Dosing pauses, newest first',
        response: { 200: z.array(pauseViewSchema), ...errors },
      },
    },
    async (request) => database.read((db) => listPauses(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/safety/pauses',
    {
      config: { permission: 'safety.decide' },
      schema: {
        tags,
        summary: 'Pause dosing study-wide (safety officer)',
        body: pauseRequestSchema,
        response: { 201: pauseViewSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await pauseDosing(database, context.studyId, sessionOf(request), request.body.reason)),
  );

  app.post(
    '/safety/pauses/:pauseId/resume',
    {
      config: { permission: 'safety.decide' },
      schema: {
        tags,
        summary: "Resume dosing after a pause: the safety officer's decision, with its grounds",
        params: pauseParams,
        body: resumeRequestSchema,
        response: { 200: pauseViewSchema, ...errors },
      },
    },
    async (request) =>
      resumeDosing(database, context.studyId, sessionOf(request), request.params.pauseId, request.body),
  );
}
