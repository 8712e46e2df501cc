import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, DomainError, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { findAdverseEvent } from './adverse-event.service.ts';
import { submissionView } from './adverse-event.views.ts';
import { clockApplies } from './ae-summary.ts';
import type { StoredReport } from './cioms-form.html.ts';
import { parseClinicalTime } from './clocks.ts';
import { nextFollowUpNumber, reportFor } from './report.loader.ts';
import { type CiomsReport, reportDigest } from './report.ts';
import { ciomsPdf, pdfDigest } from './report-document.ts';
import type { SubmissionRequest, SubmissionView } from './safety.schema.ts';

/** The report of an event as it stands now (not recorded as sent): the next report under the clock. */
export async function currentReport(
  db: Db,
  studyId: string,
  caller: Caller,
  aeId: string,
  clockId: string | null,
  clock: () => Date = () => new Date(),
): Promise<CiomsReport> {
  const row = await findAdverseEvent(db, studyId, aeId);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  const initialSent =
    clockId !== null &&
    (await db
      .selectFrom('safety_submission')
      .select('submission_id')
      .where('study_id', '=', studyId)
      .where('ae_id', '=', aeId)
      .where('clock_id', '=', clockId)
      .executeTakeFirst()) !== undefined;
  const kind = initialSent ? 'follow-up' : 'initial';
  const followUpNumber = await nextFollowUpNumber(db, studyId, aeId, clockId, kind);
  return (await reportFor(db, studyId, aeId, { clockId, kind, followUpNumber }, clock())).payload;
}

/** What the signer of a recorded submission attests (21 CFR 11.50), shown with the signature. */
export const submissionMeaning =
  'I confirm that this report was submitted to the named recipient at the time given.';

interface Prepared {
  row: Awaited<ReturnType<typeof findAdverseEvent>>;
  clock: { id: string; recipient: string };
  payload: CiomsReport;
  followUpNumber: number;
  submittedAt: Date;
}

/** The checks of a submission and the report it sends, read in `db` (again under the lock before writing). */
async function prepareSubmission(
  db: Db,
  studyId: string,
  caller: Caller,
  aeId: string,
  reporter: 'site' | 'sponsor',
  request: SubmissionRequest,
  generatedAt: Date,
  lock: boolean,
): Promise<Prepared> {
  const permission = reporter === 'site' ? 'safety.report' : 'safety.submit';
  const row = await findAdverseEvent(db, studyId, aeId, lock);
  authorize(caller.user, permission, { siteId: row.site_id });
  const { protocol } = await protocolVersion(db, studyId, row.protocol_version);
  const clock = protocol.safety.clocks.find((entry) => entry.id === request.clockId);
  if (!clock) {
    throw validationFailed([
      {
        field: 'clockId',
        message: `No clock ${request.clockId}; the protocol has ${protocol.safety.clocks.map((entry) => entry.id).join(', ')}.`,
      },
    ]);
  }
  if (clock.reporter !== reporter) {
    throw validationFailed([
      {
        field: 'clockId',
        message: `Clock ${clock.id} is reported by the ${clock.reporter}, not the ${reporter}.`,
      },
    ]);
  }
  const followUpNumber = await nextFollowUpNumber(db, studyId, aeId, clock.id, request.kind);
  const { event, payload, timeZones } = await reportFor(
    db,
    studyId,
    aeId,
    { clockId: clock.id, kind: request.kind, followUpNumber },
    generatedAt,
  );
  const earlier = event.submissions.filter((entry) => entry.clockId === clock.id);
  const hasInitial = earlier.some((entry) => entry.kind === 'initial');
  if (request.kind === 'initial' && hasInitial) {
    throw conflict(`The initial report under ${clock.id} was already recorded; record a follow-up instead.`);
  }
  if (request.kind === 'follow-up' && !hasInitial) {
    throw conflict(`Record the initial report under ${clock.id} before a follow-up.`);
  }
  if (request.kind === 'initial' && !clockApplies(clock, event.summary)) {
    throw conflict(`Clock ${clock.id} does not apply to this event as recorded (${clock.appliesTo}).`);
  }
  const timeZone = reporter === 'site' ? timeZones.site : timeZones.sponsor;
  const submittedAt = parseClinicalTime(request.submittedAt, timeZone);
  if (!submittedAt) {
    throw validationFailed([
      { field: 'submittedAt', message: 'Enter when the report was sent as YYYY-MM-DDTHH:MM.' },
    ]);
  }
  if (submittedAt.getTime() > generatedAt.getTime() + 60_000) {
    throw validationFailed([
      { field: 'submittedAt', message: 'The time the report was sent cannot be in the future.' },
    ]);
  }
  const aware = event.summary.awareAt ? parseClinicalTime(event.summary.awareAt, timeZones.site) : null;
  if (aware && submittedAt < aware) {
    throw validationFailed([
      { field: 'submittedAt', message: 'A report cannot be sent before the site became aware of the event.' },
    ]);
  }
  return { row, clock, payload, followUpNumber, submittedAt };
}

/**
 * The PDF to keep with a submission. A server that cannot print (no Chromium) still records that a
 * report was sent, which happened elsewhere: the data are kept and the PDF is printed from them later.
 */
async function keptPdf(payload: CiomsReport, language: 'en' | 'zh'): Promise<Buffer | null> {
  try {
    return await ciomsPdf(payload, language);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unavailable') return null;
    throw error;
  }
}

/**
 * Records that a report was sent under a clock: the structured report and its CIOMS I PDF (in the
 * language asked) are kept with their SHA-256, so what was sent can be downloaded unchanged later.
 * Site clocks are the site's to report (safety.report), sponsor clocks the sponsor's (safety.submit).
 * An initial report is recorded once per clock; follow-ups (numbered 1, 2 …) need the initial one first.
 * The record is an electronic signature: the signer re-enters the password first, and a wrong
 * password, or a locked account, writes nothing of the submission. The PDF is printed outside the
 * transaction; if the data changed meanwhile, nothing is written and the signer is asked to retry.
 * `keepPdf: false` keeps the data only (the synthetic trial's reports, written by the thousand).
 */
export async function recordSubmission(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  aeId: string,
  reporter: 'site' | 'sponsor',
  request: SubmissionRequest,
  options: { clock?: () => Date; keepPdf?: boolean } = {},
): Promise<SubmissionView> {
  const clock = options.clock ?? (() => new Date());
  const permission = reporter === 'site' ? 'safety.report' : 'safety.submit';
  // The event's existence and the caller's right to it are checked before the password, so a
  // signature.failed event is only ever written about an event the signer may report.
  const event = await database.read((db) => findAdverseEvent(db, studyId, aeId));
  authorize(caller.user, permission, { siteId: event.site_id });
  const target = {
    entityType: 'adverse_event',
    entityId: aeId,
    meaning: submissionMeaning,
    context: {
      participantId: event.participant_id,
      siteId: event.site_id,
      clockId: request.clockId,
      kind: request.kind,
    },
  };
  await reauthenticate(database, studyId, caller, request.password, target, lockout);
  const generatedAt = clock();
  const language = request.language ?? 'en';
  const draft = await database.read((db) =>
    prepareSubmission(db, studyId, caller, aeId, reporter, request, generatedAt, false),
  );
  const pdf = options.keepPdf === false ? null : await keptPdf(draft.payload, language);
  const digest = reportDigest(draft.payload);
  return database.transaction(async (trx) => {
    const prepared = await prepareSubmission(
      trx,
      studyId,
      caller,
      aeId,
      reporter,
      request,
      generatedAt,
      true,
    );
    if (reportDigest(prepared.payload) !== digest) {
      throw conflict('The report changed while its PDF was being made; record the submission again.');
    }
    const { row, submittedAt } = prepared;
    const documentSha256 = pdf ? pdfDigest(pdf) : null;
    const submission = await trx
      .insertInto('safety_submission')
      .values({
        study_id: studyId,
        submission_id: randomUUID(),
        ae_id: aeId,
        clock_id: prepared.clock.id,
        kind: request.kind,
        recipient: prepared.clock.recipient,
        submitted_at: submittedAt,
        reference: request.reference ?? null,
        note: request.note ?? null,
        payload: JSON.stringify(prepared.payload),
        payload_sha256: digest,
        recorded_at: clock(),
        recorded_by: caller.actor.label,
        signer_id: caller.user.userId,
        signer_name: caller.user.name,
        signature_meaning: submissionMeaning,
        follow_up_number: prepared.followUpNumber,
        document_pdf: pdf?.toString('base64') ?? null,
        document_sha256: documentSha256,
        document_language: pdf ? language : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, row, {
      action: 'safety.report.submit',
      entityType: 'safety_submission',
      entityId: submission.submission_id,
      newValue: {
        aeId,
        clockId: prepared.clock.id,
        kind: request.kind,
        version: prepared.payload.report.version,
        recipient: prepared.clock.recipient,
        submittedAt: submittedAt.toISOString(),
        sha256: digest,
        documentSha256,
        language,
        signer: caller.user.name,
        meaning: submissionMeaning,
      },
      context: { reference: request.reference ?? null },
    });
    return submissionView(submission, caller.user.name);
  });
}

async function findSubmission(db: Db, studyId: string, caller: Caller, submissionId: string) {
  const submission = await db
    .selectFrom('safety_submission')
    .select(['ae_id', 'payload', 'document_pdf', 'document_language', 'follow_up_number'])
    .where('study_id', '=', studyId)
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  if (!submission) throw notFound(`Submission ${submissionId}`);
  const row = await findAdverseEvent(db, studyId, submission.ae_id);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  return submission;
}

/** The report exactly as it was sent. */
export async function submittedReport(
  db: Db,
  studyId: string,
  caller: Caller,
  submissionId: string,
): Promise<Record<string, unknown>> {
  return (await findSubmission(db, studyId, caller, submissionId)).payload as Record<string, unknown>;
}

/**
 * The PDF of a submission: the bytes kept when it was sent, when asked in that language (or with no
 * language); otherwise printed from the data as sent (the other language, or a submission kept
 * before PDFs were). `asSent` says which.
 */
export async function submittedPdf(
  database: Database,
  studyId: string,
  caller: Caller,
  submissionId: string,
  language: 'en' | 'zh' | undefined,
): Promise<{ pdf: Buffer; asSent: boolean; fileName: string }> {
  const submission = await database.read((db) => findSubmission(db, studyId, caller, submissionId));
  const payload = submission.payload as { report?: { caseId?: string; version?: string } };
  const fileName = `${payload.report?.caseId ?? 'report'}-${(payload.report?.version ?? 'sent').replace(' ', '-')}.pdf`;
  if (submission.document_pdf && (!language || language === submission.document_language)) {
    return { pdf: Buffer.from(submission.document_pdf, 'base64'), asSent: true, fileName };
  }
  return {
    pdf: await ciomsPdf(submission.payload as StoredReport, language ?? 'en'),
    asSent: false,
    fileName,
  };
}
