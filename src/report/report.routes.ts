import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { DomainError } from '../kernel/errors.ts';
import { renderReportHtml } from './report.html.ts';
import { reportJson } from './report.model.ts';
import { htmlToPdf, PdfTimeoutError, PdfUnavailableError } from './report.pdf.ts';
import { loadReport } from './report.service.ts';

const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 503: errorBodySchema };

const reportQuery = z.strictObject({
  format: z.enum(['json', 'html', 'pdf']).default('json'),
  historicalMortality: z.coerce.number().gt(0).lt(1).default(0.1),
});

export function reportRoutes(app: App, context: AppContext): void {
  const { database } = context;
  app.get(
    '/report',
    {
      config: { permission: 'analysis.read' },
      schema: {
        tags: ['analysis'],
        summary:
          'The trial report at this moment (the data cut): study summary, CONSORT, baseline, dosing, safety, efficacy. JSON numbers, or the HTML page with inline SVG plots, or PDF',
        querystring: reportQuery,
        response: { 200: z.unknown(), ...errors },
      },
    },
    async (request, reply) => {
      const { format, historicalMortality } = request.query;
      const { model, protocol } = await loadReport(database, context.studyId, sessionOf(request).user, {
        historicalMortality,
      });
      if (format === 'json') return reply.type('application/json').send(JSON.stringify(reportJson(model)));
      const html = renderReportHtml(model, protocol);
      if (format === 'html') return reply.type('text/html; charset=utf-8').send(html);
      try {
        const pdf = await htmlToPdf(html);
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${model.study.shortTitle}-report.pdf"`)
          .send(pdf);
      } catch (error) {
        if (error instanceof PdfUnavailableError || error instanceof PdfTimeoutError) {
          throw new DomainError('unavailable', error.message);
        }
        throw error;
      }
    },
  );
}
