import { z } from 'zod';
import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import {
  acceptProposalSchema,
  dismissProposalSchema,
  labAeProposalListSchema,
  labAeProposalSchema,
  labFlagListSchema,
  labFlagSchema,
  rangeImportResultSchema,
  rangeImportSchema,
  referenceRangeListSchema,
  significanceSchema,
} from './lab.schema.ts';
import { acceptProposal, dismissProposal, listProposals } from './lab-ae.service.ts';
import { importRanges, listRanges } from './range.service.ts';
import { listFlags, markSignificance } from './significance.service.ts';

const errors = recordErrorResponses;
const participantParams = z.strictObject({ participantId: z.string().min(1).max(64) });
const valueParams = participantParams.extend({
  recordId: z.uuid({ message: 'Not a form record id.' }),
  itemId: z.string().min(1).max(100),
});
const proposalParams = z.strictObject({ proposalId: z.string().min(1).max(64) });
const siteParams = z.strictObject({ siteId: z.string().min(1).max(64) });

export function labRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['laboratory'];

  app.get(
    '/sites/:siteId/lab-ranges',
    {
      config: { permission: 'crf.read', siteParam: 'siteId' },
      schema: {
        tags,
        summary: "A site's laboratory reference ranges, and the protocol's laboratory items with their units",
        params: siteParams,
        response: { 200: referenceRangeListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listRanges(db, context.studyId, sessionOf(request), request.params.siteId)),
  );

  app.post(
    '/sites/:siteId/lab-ranges/import',
    {
      config: { permission: 'lab.ranges', siteParam: 'siteId' },
      schema: {
        tags,
        summary:
          "Replace a site's reference ranges with a CSV file (item, sex, ageLow, ageHigh, low, high, unit); a bad line imports nothing",
        params: siteParams,
        body: rangeImportSchema,
        response: { 200: rangeImportResultSchema, ...errors },
      },
    },
    async (request) =>
      importRanges(database, context.studyId, sessionOf(request), request.params.siteId, request.body),
  );

  app.get(
    '/participants/:participantId/lab-flags',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags,
        summary:
          "A participant's laboratory values flagged low, normal or high against the site's reference ranges",
        params: participantParams,
        response: { 200: labFlagListSchema, ...errors },
      },
    },
    async (request) => ({
      flags: await database.read((db) =>
        listFlags(db, context.studyId, sessionOf(request), request.params.participantId),
      ),
    }),
  );

  app.put(
    '/participants/:participantId/lab-flags/:recordId/:itemId/significance',
    {
      config: { permission: 'lab.assess' },
      schema: {
        tags,
        summary:
          'Mark an out-of-range laboratory value clinically significant or not (for the revision seen)',
        params: valueParams,
        body: significanceSchema,
        response: { 200: labFlagSchema, ...errors },
      },
    },
    async (request) =>
      markSignificance(database, context.studyId, sessionOf(request), request.params, request.body),
  );

  app.get(
    '/participants/:participantId/lab-ae-proposals',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: "A participant's laboratory adverse events proposed from CTCAE grades worse than baseline",
        params: participantParams,
        response: { 200: labAeProposalListSchema, ...errors },
      },
    },
    async (request) => ({
      proposals: await database.read((db) =>
        listProposals(db, context.studyId, sessionOf(request), request.params.participantId),
      ),
    }),
  );

  app.post(
    '/lab-ae-proposals/:proposalId/accept',
    {
      config: { permission: 'lab.assess' },
      schema: {
        tags,
        summary:
          'Accept a proposed laboratory adverse event: the adverse event is created with its CTCAE term and grade',
        params: proposalParams,
        body: acceptProposalSchema,
        response: { 200: labAeProposalSchema, ...errors },
      },
    },
    async (request) =>
      acceptProposal(database, context.studyId, sessionOf(request), request.params.proposalId, request.body),
  );

  app.post(
    '/lab-ae-proposals/:proposalId/dismiss',
    {
      config: { permission: 'lab.assess' },
      schema: {
        tags,
        summary: 'Dismiss a proposed laboratory adverse event, with the reason it is not one',
        params: proposalParams,
        body: dismissProposalSchema,
        response: { 200: labAeProposalSchema, ...errors },
      },
    },
    async (request) =>
      dismissProposal(database, context.studyId, sessionOf(request), request.params.proposalId, request.body),
  );
}
