import { z } from 'zod';
import { plainId } from '../crf/entries.ts';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { blankCrfPdf } from './blank-crf.service.ts';
import { participantCasebookPdf } from './casebook.service.ts';
import { paperLanguages } from './casebook-words.ts';

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  503: errorBodySchema,
};
const pdfResponse = { 200: z.unknown().describe('application/pdf'), ...errors };
const language = z.enum(paperLanguages).default('en');

export function casebookRoutes(app: App, context: AppContext): void {
  const { database } = context;

  app.get(
    '/participants/:participantId/casebook.pdf',
    {
      config: { permission: 'crf.read' },
      schema: {
        tags: ['participants'],
        summary:
          "A participant's full casebook as PDF: every form's values with status, SDV and signatures, consent, doses, adverse events and the participant's audit trail; recorded in the audit trail as an export",
        description:
          'participantId: the id, the study number (e.g. `RJ-001`) or the screening number. A participant not in the study is a 404.',
        params: z.strictObject({ participantId: plainId(100) }),
        querystring: z.strictObject({ lang: language }),
        response: pdfResponse,
      },
    },
    async (request, reply) => {
      const result = await participantCasebookPdf(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.query.lang,
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${result.fileName}"`)
        .send(result.pdf);
    },
  );

  app.get(
    '/protocol/crf-blank.pdf',
    {
      config: { permission: 'signed-in' },
      schema: {
        tags: ['protocol'],
        summary:
          "Blank worksheets of the protocol's forms for paper source, one page per form: all forms, or those of one visit",
        querystring: z.strictObject({ visit: plainId(100).optional(), lang: language }),
        response: pdfResponse,
      },
    },
    async (request, reply) => {
      const result = await blankCrfPdf(database, context.studyId, {
        visit: request.query.visit,
        language: request.query.lang,
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${result.fileName}"`)
        .send(result.pdf);
    },
  );
}
