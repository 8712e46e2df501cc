import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { type LockoutPolicy, reauthenticate } from '../auth/reauthentication.service.ts';
import { codedTermsOf } from '../coding/coded-terms.ts';
import { participantValues } from '../crf/record-values.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { findAdverseEvent } from './adverse-event.service.ts';
import { toAdverseEventView, viewContext } from './adverse-event.views.ts';
import { clockApplies } from './ae-summary.ts';
import { parseClinicalTime } from './clocks.ts';
import { buildCiomsReport, type CiomsReport, reportDigest } from './report.ts';
import type { AdverseEventView, SubmissionRequest, SubmissionView } from './safety.schema.ts';

async function reportFor(
  db: Db,
  studyId: string,
  aeId: string,
  report: { clockId: string | null; kind: 'initial' | 'follow-up' },
): Promise<{ event: AdverseEventView; payload: CiomsReport; timeZones: { site: string; sponsor: string } }> {
  const row = await findAdverseEvent(db, studyId, aeId);
  const { protocol } = await protocolVersion(db, studyId, row.protocol_version);
  const event = toAdverseEventView(row, await viewContext(db, studyId, [row], protocol));
  const site = await db
    .selectFrom('site')
    .select(['site_id', 'name', 'time_zone'])
    .where('study_id', '=', studyId)
    .where('site_id', '=', row.site_id)
    .executeTakeFirstOrThrow();
  const values = await participantValues(db, studyId, row.participant_id);
  const doses = await db
    .selectFrom('dosing_administration')
    .select((eb) => [
      eb.fn.min('started_at').as('first'),
      eb.fn.max('started_at').as('last'),
      eb.fn.countAll<number>().as('given'),
    ])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', row.participant_id)
    .where('status', '!=', 'not-given')
    .executeTakeFirst();
  const coded = (await codedTermsOf(db, studyId, [row.participant_id])).get(row.participant_id)?.get(aeId);
  const clock = protocol.safety.clocks.find((entry) => entry.id === report.clockId);
  const country = protocol.study.sites.find((entry) => entry.id === row.site_id)?.country ?? null;
  const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);
  const payload = buildCiomsReport({
    protocol,
    event,
    site: { siteId: site.site_id, name: (site.name as { en: string }).en, timeZone: site.time_zone, country },
    patient: {
      sex: typeof values['demographics.sex'] === 'string' ? values['demographics.sex'] : null,
      birthDate:
        typeof values['demographics.birthDate'] === 'string' ? values['demographics.birthDate'] : null,
    },
    doses: { first: iso(doses?.first), last: iso(doses?.last), given: Number(doses?.given ?? 0) },
    report: { clockId: report.clockId, kind: report.kind, recipient: clock?.recipient ?? null },
    coded: coded?.dictionary === 'meddra' ? coded : null,
    generatedAt: new Date(),
  });
  return { event, payload, timeZones: { site: site.time_zone, sponsor: protocol.study.timeZone } };
}

/** The report of an event as it stands now (not recorded as sent). */
export async function currentReport(
  db: Db,
  studyId: string,
  caller: Caller,
  aeId: string,
  clockId: string | null,
): Promise<CiomsReport> {
  const row = await findAdverseEvent(db, studyId, aeId);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  return (await reportFor(db, studyId, aeId, { clockId, kind: 'initial' })).payload;
}

/** What the signer of a recorded submission attests (21 CFR 11.50), shown with the signature. */
export const submissionMeaning =
  'I confirm that this report was submitted to the named recipient at the time given.';

/**
 * Records that a report was sent under a clock: the structured report is frozen with its SHA-256.
 * Site clocks are the site's to report (safety.report), sponsor clocks the sponsor's (safety.submit).
 * An initial report is recorded once per clock; follow-ups need the initial one first.
 * The record is an electronic signature: the signer re-enters the password first, and a wrong
 * password, or a locked account, writes nothing of the submission.
 */
export async function recordSubmission(
  database: Database,
  studyId: string,
  caller: Caller,
  lockout: LockoutPolicy,
  aeId: string,
  reporter: 'site' | 'sponsor',
  request: SubmissionRequest,
): Promise<SubmissionView> {
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
  return database.transaction(async (trx) => {
    const row = await findAdverseEvent(trx, studyId, aeId, true);
    authorize(caller.user, permission, { siteId: row.site_id });
    const { protocol } = await protocolVersion(trx, studyId, row.protocol_version);
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
    const { event, payload, timeZones } = await reportFor(trx, studyId, aeId, {
      clockId: clock.id,
      kind: request.kind,
    });
    const earlier = event.submissions.filter((entry) => entry.clockId === clock.id);
    const hasInitial = earlier.some((entry) => entry.kind === 'initial');
    if (request.kind === 'initial' && hasInitial) {
      throw conflict(
        `The initial report under ${clock.id} was already recorded; record a follow-up instead.`,
      );
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
    if (submittedAt.getTime() > Date.now() + 60_000) {
      throw validationFailed([
        { field: 'submittedAt', message: 'The time the report was sent cannot be in the future.' },
      ]);
    }
    const aware = event.summary.awareAt ? parseClinicalTime(event.summary.awareAt, timeZones.site) : null;
    if (aware && submittedAt < aware) {
      throw validationFailed([
        {
          field: 'submittedAt',
          message: 'A report cannot be sent before the site became aware of the event.',
        },
      ]);
    }
    const digest = reportDigest(payload);
    const submission = await trx
      .insertInto('safety_submission')
      .values({
        study_id: studyId,
        submission_id: randomUUID(),
        ae_id: aeId,
        clock_id: clock.id,
        kind: request.kind,
        recipient: clock.recipient,
        submitted_at: submittedAt,
        reference: request.reference ?? null,
        note: request.note ?? null,
        payload: JSON.stringify(payload),
        payload_sha256: digest,
        recorded_at: new Date(),
        recorded_by: caller.actor.label,
        signer_id: caller.user.userId,
        signer_name: caller.user.name,
        signature_meaning: submissionMeaning,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, row, {
      action: 'safety.report.submit',
      entityType: 'safety_submission',
      entityId: submission.submission_id,
      newValue: {
        aeId,
        clockId: clock.id,
        kind: request.kind,
        recipient: clock.recipient,
        submittedAt: submittedAt.toISOString(),
        sha256: digest,
        signer: caller.user.name,
        meaning: submissionMeaning,
      },
      context: { reference: request.reference ?? null },
    });
    return {
      submissionId: submission.submission_id,
      aeId,
      clockId: clock.id,
      kind: submission.kind,
      recipient: submission.recipient,
      submittedAt: submittedAt.toISOString(),
      reference: submission.reference,
      note: submission.note,
      payloadSha256: digest,
      recordedAt: new Date(submission.recorded_at).toISOString(),
      recordedBy: submission.recorded_by,
      recordedByName: caller.user.name,
      signerName: submission.signer_name,
      signatureMeaning: submission.signature_meaning,
    };
  });
}

/** The report exactly as it was sent. */
export async function submittedReport(
  db: Db,
  studyId: string,
  caller: Caller,
  submissionId: string,
): Promise<Record<string, unknown>> {
  const submission = await db
    .selectFrom('safety_submission')
    .select(['ae_id', 'payload'])
    .where('study_id', '=', studyId)
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  if (!submission) throw notFound(`Submission ${submissionId}`);
  const row = await findAdverseEvent(db, studyId, submission.ae_id);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  return submission.payload as Record<string, unknown>;
}
