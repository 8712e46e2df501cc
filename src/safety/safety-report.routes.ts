import { z } from 'zod';
import { paperLanguages } from '../casebook/casebook-words.ts';
import { errorBodySchema, recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { narrativeRevisionSchema, narrativeSaveSchema, narrativeViewSchema } from './narrative.schema.ts';
import { eventNarrative, saveNarrative } from './narrative.service.ts';
import { ciomsPdf } from './report-document.ts';
import { currentReport, submittedPdf, submittedReport } from './submission.service.ts';

// The expedited report of an adverse event: its data and CIOMS I PDF as they stand, the narrative
// the investigator edits, and each recorded submission exactly as it was sent.

const errors = { ...recordErrorResponses, 503: errorBodySchema };
const aeParams = z.strictObject({ aeId: z.uuid({ message: 'Not an adverse event id.' }) });
const submissionParams = z.strictObject({ submissionId: z.uuid({ message: 'Not a submission id.' }) });
const reportQuery = z.strictObject({ clockId: z.string().max(64).optional() });
const reportPdfQuery = reportQuery.extend({ lang: z.enum(paperLanguages).default('en') });

export function safetyReportRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['safety'];

  app.get(
    '/adverse-events/:aeId/report',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary:
          'The expedited report as structured data (CIOMS I fields), as it stands now: the next report under the clock (initial, or the next follow-up)',
        params: aeParams,
        querystring: reportQuery,
        response: { 200: z.record(z.string(), z.unknown()), ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        currentReport(
          db,
          context.studyId,
          sessionOf(request),
          request.params.aeId,
          request.query.clockId ?? null,
        ),
      ),
  );

  app.get(
    '/adverse-events/:aeId/report.pdf',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: 'The expedited report as a CIOMS I form (PDF, English or Chinese), as it stands now',
        params: aeParams,
        querystring: reportPdfQuery,
      },
    },
    async (request, reply) => {
      const report = await database.read((db) =>
        currentReport(
          db,
          context.studyId,
          sessionOf(request),
          request.params.aeId,
          request.query.clockId ?? null,
        ),
      );
      const pdf = await ciomsPdf(report, request.query.lang);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${report.report.caseId}.pdf"`)
        .send(pdf);
    },
  );

  app.get(
    '/adverse-events/:aeId/narrative',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary:
          "The report's narrative: the draft from the data (English and Chinese), dechallenge and rechallenge as the dosing record shows them, and every saved revision",
        params: aeParams,
        response: { 200: narrativeViewSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => eventNarrative(db, context.studyId, sessionOf(request), request.params.aeId)),
  );

  app.post(
    '/adverse-events/:aeId/narrative',
    {
      config: { permission: 'safety.assess' },
      schema: {
        tags,
        summary:
          "Save a new revision of the report's narrative (and the dechallenge and rechallenge answers the data cannot give); earlier revisions are kept",
        params: aeParams,
        body: narrativeSaveSchema,
        response: { 201: narrativeRevisionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await saveNarrative(
            database,
            context.studyId,
            sessionOf(request),
            request.params.aeId,
            request.body,
          ),
        ),
  );

  app.get(
    '/safety/submissions/:submissionId/report',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary: 'A recorded report exactly as it was sent (structured data)',
        params: submissionParams,
        response: { 200: z.record(z.string(), z.unknown()), ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        submittedReport(db, context.studyId, sessionOf(request), request.params.submissionId),
      ),
  );

  app.get(
    '/safety/submissions/:submissionId/report.pdf',
    {
      config: { permission: 'safety.read' },
      schema: {
        tags,
        summary:
          'A recorded report as sent: the PDF kept at submission (no `lang`, or its language), or printed in the other language from the data as sent (header X-Report-As-Sent: false)',
        params: submissionParams,
        querystring: z.strictObject({ lang: z.enum(paperLanguages).optional() }),
      },
    },
    async (request, reply) => {
      const result = await submittedPdf(
        database,
        context.studyId,
        sessionOf(request),
        request.params.submissionId,
        request.query.lang,
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${result.fileName}"`)
        .header('x-report-as-sent', String(result.asSent))
        .send(result.pdf);
    },
  );
}
