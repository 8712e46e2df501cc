import { createHash } from 'node:crypto';
import { printPdf } from '../casebook/casebook.service.ts';
import type { PaperLanguage } from '../casebook/casebook-words.ts';
import { renderCiomsHtml, type StoredReport } from './cioms-form.html.ts';
import { reportDigest } from './report.ts';

/** The CIOMS I PDF of a report's data in one language (printed by Chromium; CJK fonts embedded). */
export function ciomsPdf(report: StoredReport, language: PaperLanguage): Promise<Buffer> {
  return printPdf(renderCiomsHtml(report, language, reportDigest(report as Record<string, unknown>)));
}

export const pdfDigest = (pdf: Buffer) => createHash('sha256').update(pdf).digest('hex');
