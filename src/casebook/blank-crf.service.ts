import type { Database } from '../db/connection.ts';
import { validationFailed } from '../kernel/errors.ts';
import { formSlots } from '../participants/schedule.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { renderBlankCrfHtml, worksheetSlots } from './blank-crf.html.ts';
import { printPdf } from './casebook.service.ts';
import type { PaperLanguage } from './casebook-words.ts';

// A protocol version never changes once loaded, so its worksheets do not either: printed once per
// version, visit and language and kept (a handful of PDFs of a few hundred kB), every later download
// is instant and starts no Chromium.
const printed = new Map<string, Buffer>();
const PRINTED_KEPT = 32;

/**
 * The current protocol's blank worksheets as PDF: every form, or the forms of one visit (its id, or
 * a `visit/timepoint` key). An unknown visit is refused naming the keys there are.
 */
export async function blankCrfPdf(
  database: Database,
  studyId: string,
  options: { visit?: string; language: PaperLanguage },
): Promise<{ pdf: Buffer; fileName: string; sheets: number }> {
  const { protocol, versionNo } = await database.read((db) => currentProtocol(db, studyId));
  const visit = options.visit ?? null;
  if (visit !== null) {
    const known = [...new Set(formSlots(protocol).flatMap((slot) => [slot.visitId, slot.visitKey]))];
    if (!known.includes(visit)) {
      const message = `There is no visit "${visit}" in the protocol: give one of ${known.join(', ')}.`;
      throw validationFailed([{ field: 'visit', message }], message);
    }
  }
  const slots = worksheetSlots(protocol, visit);
  const key = JSON.stringify([studyId, versionNo, visit, options.language]);
  let pdf = printed.get(key);
  if (!pdf) {
    pdf = await printPdf(renderBlankCrfHtml(protocol, slots, options.language));
    if (printed.size >= PRINTED_KEPT) printed.delete(printed.keys().next().value ?? '');
    printed.set(key, pdf);
  }
  const suffix = visit ? `-${visit.replace(/[^a-z0-9-]+/gi, '-')}` : '';
  return { pdf, fileName: `crf-blank${suffix}-${options.language}.pdf`, sheets: slots.length };
}
