import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, notFound } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant, type ParticipantRow, UUID } from '../participants/participant.queries.ts';
import { htmlToPdf, PdfTimeoutError, PdfUnavailableError } from '../report/report.pdf.ts';
import { participantNumber, renderCasebookHtml } from './casebook.html.ts';
import { loadCasebook } from './casebook.loader.ts';
import type { PaperLanguage } from './casebook-words.ts';

/**
 * A participant by what people call them: the id, the study number (`RJ-001`) or the screening
 * number. Anything else is a 404 naming what was looked for.
 */
export async function findParticipantByReference(
  db: Db,
  studyId: string,
  reference: string,
): Promise<ParticipantRow> {
  if (UUID.test(reference)) return findParticipant(db, studyId, reference);
  const row = await db
    .selectFrom('participant')
    .selectAll()
    .where('study_id', '=', studyId)
    .where((eb) => eb.or([eb('study_number', '=', reference), eb('screening_number', '=', reference)]))
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      `Participant ${reference} (neither a study number, a screening number nor a participant id)`,
    );
  }
  return row;
}

/** A PDF that could not be printed is the server's missing part (Chromium), not the caller's mistake. */
export async function printPdf(html: string): Promise<Buffer> {
  try {
    return await htmlToPdf(html);
  } catch (error) {
    if (error instanceof PdfUnavailableError || error instanceof PdfTimeoutError) {
      throw new DomainError('unavailable', error.message);
    }
    throw error;
  }
}

export interface CasebookPdf {
  pdf: Buffer;
  fileName: string;
  participantNumber: string;
}

/**
 * The participant's full casebook as PDF, for those who may read the participant's forms. The
 * download is an export of the participant's data: one audit event, with the participant's context
 * so it shows in their trail, written once the PDF exists.
 */
export async function participantCasebookPdf(
  database: Database,
  studyId: string,
  caller: Caller,
  reference: string,
  language: PaperLanguage,
  clock: () => Date = () => new Date(),
): Promise<CasebookPdf> {
  const { source, html } = await database.read(async (db) => {
    const participant = await findParticipantByReference(db, studyId, reference);
    authorize(caller.user, 'crf.read', { siteId: participant.site_id });
    const loaded = await loadCasebook(db, studyId, participant);
    return {
      source: loaded,
      html: renderCasebookHtml(loaded, { language, printedAt: clock(), printedBy: caller.user.name }),
    };
  });
  const pdf = await printPdf(html);
  const number = participantNumber(source);
  await database.transaction((trx) =>
    recordParticipantAudit(trx, studyId, caller.actor, source.participant, {
      action: 'export.run',
      entityType: 'export',
      entityId: randomUUID(),
      newValue: { kind: 'casebook-pdf', participant: number, language, bytes: pdf.length },
    }),
  );
  return { pdf, fileName: `casebook-${number}.pdf`, participantNumber: number };
}
