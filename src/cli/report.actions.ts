import { writeFileSync } from 'node:fs';
import { OWNER_ONLY_FILE } from '../exchange/stream-file.ts';
import { renderReportHtml } from '../report/report.html.ts';
import { reportJson } from '../report/report.model.ts';
import { htmlToPdf, PdfTimeoutError, PdfUnavailableError } from '../report/report.pdf.ts';
import { loadReport } from '../report/report.service.ts';
import { CliUserError } from './cli-errors.ts';
import { checkOutputFile } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

interface ReportOptions extends DatabaseOptions {
  format: 'html' | 'pdf' | 'json';
  out?: string;
  historicalMortality: string;
}

function parseRate(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) {
    throw new CliUserError(
      `--historical-mortality must be a proportion between 0 and 1 (e.g. 0.1), got "${text}"`,
    );
  }
  return value;
}

export const report = async (options: ReportOptions) => {
  const historicalMortality = parseRate(options.historicalMortality);
  if (options.format === 'pdf' && !options.out) throw new CliUserError('PDF output needs --out FILE.');
  if (options.out) checkOutputFile(options.out, 'the report');
  // The report only reads: it leaves the schema as the servers left it ('read-only').
  await withStudyDatabase(
    options,
    async (database, studyId) => {
      const { model, protocol } = await loadReport(database, studyId, null, { historicalMortality });
      let content: string | Buffer;
      if (options.format === 'json') content = `${JSON.stringify(reportJson(model), null, 2)}\n`;
      else {
        const html = renderReportHtml(model, protocol);
        try {
          content = options.format === 'pdf' ? await htmlToPdf(html) : html;
        } catch (error) {
          if (error instanceof PdfUnavailableError || error instanceof PdfTimeoutError) {
            throw new CliUserError(error.message);
          }
          throw error;
        }
      }
      if (!options.out) {
        process.stdout.write(content);
        return;
      }
      try {
        writeFileSync(options.out, content, { mode: OWNER_ONLY_FILE });
      } catch (error) {
        throw new CliUserError(
          `cannot write ${options.out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        );
      }
      process.stderr.write(
        `Wrote ${options.out} (${options.format}; data cut ${model.dataCut}, protocol version ${model.protocolVersion}, ${model.consort.enrolled} enrolled).\n`,
      );
    },
    'read',
    'read-only',
  );
};
