import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { allocationOf } from './allocation.service.ts';
import {
  allocationViewSchema,
  emergencyUnblindingSchema,
  emergencyUnblindRequestSchema,
  generateListRequestSchema,
  randomisationListSchema,
  randomisationStatusSchema,
  sealListRequestSchema,
  studyUnblindingViewSchema,
  studyUnblindRequestSchema,
} from './randomisation.schema.ts';
import {
  generateList,
  randomisationList,
  randomisationStatus,
  sealList,
} from './randomisation-list.service.ts';
import { studyUnblinding, unblindParticipant, unblindStudy } from './unblinding.service.ts';

const errors = recordErrorResponses;
const params = z.strictObject({ participantId: z.uuid({ message: 'Not a participant id.' }) });

export function randomisationRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['randomisation'];

  app.get(
    '/randomisation',
    {
      config: { permission: 'study.read' },
      schema: {
        tags,
        summary:
          'Whether randomisation is ready: method, list status and hash, strata, allocations made (no arms)',
        response: { 200: randomisationStatusSchema, ...errors },
      },
    },
    async (request) => database.read((db) => randomisationStatus(db, context.studyId, sessionOf(request))),
  );

  app.get(
    '/randomisation/list',
    {
      config: { permission: 'randomisation.view-list' },
      schema: {
        tags,
        summary: 'The randomisation list with its seed, arms and allocations (unblinded roles only)',
        response: { 200: randomisationListSchema, ...errors },
      },
    },
    async (request) => database.read((db) => randomisationList(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/randomisation/list',
    {
      config: { permission: 'randomisation.manage' },
      schema: {
        tags,
        summary: 'Generate (or, before sealing, regenerate) the randomisation list from a recorded seed',
        body: generateListRequestSchema,
        response: { 200: randomisationStatusSchema, ...errors },
      },
    },
    async (request) => generateList(database, context.studyId, sessionOf(request), request.body),
  );

  app.post(
    '/randomisation/list/seal',
    {
      config: { permission: 'randomisation.manage' },
      schema: {
        tags,
        summary:
          'Seal the list checked (named by its hash): it never changes after, and allocation may start',
        body: sealListRequestSchema,
        response: { 200: randomisationStatusSchema, ...errors },
      },
    },
    async (request) => sealList(database, context.studyId, sessionOf(request), request.body),
  );

  app.get(
    '/participants/:participantId/allocation',
    {
      config: { permission: 'participant.read' },
      schema: {
        tags,
        summary: "A participant's randomisation number (and arm, for unblinded roles)",
        params,
        response: { 200: allocationViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        allocationOf(db, context.studyId, sessionOf(request), request.params.participantId),
      ),
  );

  unblindingRoutes(app, context);
}

function unblindingRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['randomisation'];
  const settings = { lockout: context.config.lockout, totpKey: context.config.secretKey };

  app.get(
    '/randomisation/unblinding',
    {
      config: { permission: 'study.read' },
      schema: {
        tags,
        summary: 'Whether the study is unblinded (at database lock): who, when and why',
        response: { 200: studyUnblindingViewSchema, ...errors },
      },
    },
    async () => database.read((db) => studyUnblinding(db, context.studyId)),
  );

  app.post(
    '/randomisation/unblinding',
    {
      config: { permission: 'randomisation.unblind-study' },
      schema: {
        tags,
        summary: 'Unblind the study after database lock: every reader of the study sees the arms; audited',
        body: studyUnblindRequestSchema,
        response: { 200: studyUnblindingViewSchema, ...errors },
      },
    },
    async (request) => unblindStudy(database, context.studyId, sessionOf(request), request.body),
  );

  app.post(
    '/participants/:participantId/unblinding',
    {
      config: { permission: 'randomisation.emergency-unblind' },
      schema: {
        tags,
        summary:
          "Emergency unblinding of one participant by the site's investigator: reason and password again; returns the arm, tells the sponsor's side at once; audited",
        params,
        body: emergencyUnblindRequestSchema,
        response: { 200: emergencyUnblindingSchema, ...errors },
      },
    },
    async (request) =>
      unblindParticipant(
        database,
        context.studyId,
        sessionOf(request),
        settings,
        request.params.participantId,
        request.body,
      ),
  );
}
