import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { recordConsent } from './consent.service.ts';
import { changeStatus, enrolParticipant, recordScreenOutcome } from './lifecycle.service.ts';
import {
  consentRequestSchema,
  consortSchema,
  eligibilityViewSchema,
  enrolRequestSchema,
  participantDetailSchema,
  participantListQuerySchema,
  participantListSchema,
  screenOutcomeRequestSchema,
  screenRequestSchema,
  signatureRequestSchema,
  statusRequestSchema,
} from './participant.schema.ts';
import { confirmEligibility, eligibilityOf, screenParticipant } from './participant.service.ts';
import { consortCounts, listParticipants, participantDetail } from './participant.views.ts';

const errors = recordErrorResponses;
const params = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });

export function participantRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['participants'];
  const detail = (request: FastifyRequest, participantId: string) =>
    database.read((db) => participantDetail(db, context.studyId, sessionOf(request), participantId));

  app.get(
    '/participants',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: 'Participants with status, next visit and open queries (only the sites you work at)',
        description:
          "Newest screening first. Page with `cursor` (the previous answer's `nextCursor`, quick at any depth) or `offset`; a malformed or altered cursor, one made under other filters, or a cursor together with `offset` is a 400: start again from the first page.",
        querystring: participantListQuerySchema,
        response: { 200: participantListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listParticipants(db, context.studyId, sessionOf(request), request.query)),
  );

  app.post(
    '/participants',
    {
      config: { permission: 'participant.screen' },
      schema: {
        tags,
        summary: 'Screen a patient: a screening log entry with a screening number',
        body: screenRequestSchema,
        response: { 201: participantDetailSchema, ...errors },
      },
    },
    async (request, reply) => {
      const participantId = await screenParticipant(
        database,
        context.studyId,
        sessionOf(request),
        request.body,
      );
      return reply.status(201).send(await detail(request, participantId));
    },
  );

  app.get(
    '/participants/:participantId',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: 'One participant with consents and visit windows',
        params,
        response: { 200: participantDetailSchema, ...errors },
      },
    },
    async (request) => detail(request, request.params.participantId),
  );

  app.post(
    '/participants/:participantId/consent',
    {
      config: { permission: 'participant.consent' },
      schema: {
        tags,
        summary: 'Record informed consent',
        params,
        body: consentRequestSchema,
        response: { 201: participantDetailSchema, ...errors },
      },
    },
    async (request, reply) => {
      await recordConsent(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.body,
      );
      return reply.status(201).send(await detail(request, request.params.participantId));
    },
  );

  app.get(
    '/participants/:participantId/eligibility',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: "The protocol's criteria evaluated on the screening data",
        params,
        response: { 200: eligibilityViewSchema, ...errors },
      },
    },
    async (request) => {
      const { digest: _digest, ...view } = await database.read((db) =>
        eligibilityOf(db, context.studyId, sessionOf(request), request.params.participantId),
      );
      return view;
    },
  );

  app.post(
    '/participants/:participantId/eligibility/confirm',
    {
      config: { permission: 'eligibility.confirm' },
      schema: {
        tags,
        summary: 'Investigator e-signature confirming eligibility (re-enter the password)',
        params,
        body: signatureRequestSchema,
        response: { 200: eligibilityViewSchema, ...errors },
      },
    },
    async (request) =>
      confirmEligibility(
        database,
        context.studyId,
        sessionOf(request),
        context.config.lockout,
        request.params.participantId,
        request.body.password,
      ),
  );

  app.post(
    '/participants/:participantId/screen-outcome',
    {
      config: { permission: 'participant.screen' },
      schema: {
        tags,
        summary: 'End screening without enrolment: screen failure or declined',
        params,
        body: screenOutcomeRequestSchema,
        response: { 200: participantDetailSchema, ...errors },
      },
    },
    async (request) => {
      await recordScreenOutcome(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.body,
      );
      return detail(request, request.params.participantId);
    },
  );

  app.post(
    '/participants/:participantId/enrol',
    {
      config: { permission: 'participant.enrol' },
      schema: {
        tags,
        summary: 'Enrol an eligible, consented participant: study number and day 1',
        params,
        body: enrolRequestSchema,
        response: { 200: participantDetailSchema, ...errors },
      },
    },
    async (request) => {
      await enrolParticipant(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.body,
      );
      return detail(request, request.params.participantId);
    },
  );

  app.post(
    '/participants/:participantId/status',
    {
      config: { permission: 'participant.status' },
      schema: {
        tags,
        summary: 'Withdrawal, loss to follow-up, death or completion',
        params,
        body: statusRequestSchema,
        response: { 200: participantDetailSchema, ...errors },
      },
    },
    async (request) => {
      await changeStatus(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.body,
      );
      return detail(request, request.params.participantId);
    },
  );

  app.get(
    '/consort',
    {
      config: { permission: 'participant.read' },
      schema: { tags, summary: 'CONSORT flow counts', response: { 200: consortSchema, ...errors } },
    },
    async (request) => database.read((db) => consortCounts(db, context.studyId, sessionOf(request))),
  );
}
