import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { readFhirBundle } from './fhir-bundle.ts';
import { readOruMessage } from './hl7-oru.ts';
import { participantsWithHospitalId } from './hospital-ids.ts';
import { collectionText, LabMessageRefused, type LabReport, type ReportedResult } from './lab-report.ts';
import { PlacementProblem } from './placement.ts';
import { writeResult } from './result-write.ts';
import { siteOfMessage } from './sending-facility.service.ts';

export type LabMessageFormat = 'hl7v2' | 'fhir';
export type LabMessageSource = 'mllp' | 'file' | 'api';

export interface IncomingMessage {
  format: LabMessageFormat;
  source: LabMessageSource;
  /** The message exactly as received (a FHIR bundle as its JSON text). */
  raw: string;
  /** The site the poster says the message is from, instead of the one its sending facility names. */
  siteId?: string;
}

export interface ReceiptOutcome {
  /** AA accepted (each result written or queued for review), AE an error in it, AR not taken. */
  ackCode: 'AA' | 'AE' | 'AR';
  messageId: string;
  controlId: string | null;
  /** A message already received with this control id: nothing was done again. */
  duplicate: boolean;
  written: number;
  review: number;
  text: string;
}

function reportOf(incoming: IncomingMessage): LabReport {
  if (incoming.format === 'hl7v2') return readOruMessage(incoming.raw);
  let body: unknown;
  try {
    body = JSON.parse(incoming.raw);
  } catch {
    throw new LabMessageRefused(
      'AE',
      'The body is not JSON: send a FHIR R4 Bundle as application/fhir+json.',
    );
  }
  return readFhirBundle(body);
}

async function storeMessage(
  trx: Tx,
  studyId: string,
  caller: Caller,
  incoming: IncomingMessage,
  fields: {
    controlId: string | null;
    status: 'accepted' | 'rejected';
    error: string | null;
    at: Date;
    sendingFacility?: string | null;
    siteId?: string | null;
  },
): Promise<string> {
  const messageId = randomUUID();
  await trx
    .insertInto('lab_message')
    .values({
      study_id: studyId,
      message_id: messageId,
      control_id: fields.controlId,
      format: incoming.format,
      source: incoming.source,
      raw: incoming.raw,
      received_at: fields.at,
      received_by: caller.actor.label,
      status: fields.status,
      error: fields.error,
      sending_facility: fields.sendingFacility ?? null,
      site_id: fields.siteId ?? null,
    })
    .execute();
  return messageId;
}

/**
 * Receives a laboratory message in one transaction: the message is stored as received, and each of
 * its results is written to the casebook (see writeResult) or put in the review queue with the reason
 * (unknown identifier or LOINC code, no visit window, another value there, a locked form, a check
 * that refuses it). A message that cannot be read is stored too, as rejected, and answered AR or AE.
 * A control id already received is answered AA again and changes nothing (a re-delivery after a lost
 * ACK); a different message under a used control id is answered AE.
 */
export async function receiveLabMessage(
  database: Database,
  studyId: string,
  caller: Caller,
  incoming: IncomingMessage,
  clock: Date = new Date(),
): Promise<ReceiptOutcome> {
  let report: LabReport;
  try {
    report = reportOf(incoming);
  } catch (error) {
    if (!(error instanceof LabMessageRefused)) throw error;
    return rejectMessage(database, studyId, caller, incoming, error, clock);
  }
  try {
    return await database.transaction((trx) => acceptMessage(trx, studyId, caller, incoming, report, clock));
  } catch (error) {
    // Two deliveries of one message at once: the second finds the first's row on a new try.
    if ((error as { code?: string }).code !== '23505') throw error;
    return database.transaction((trx) => acceptMessage(trx, studyId, caller, incoming, report, clock));
  }
}

async function rejectMessage(
  database: Database,
  studyId: string,
  caller: Caller,
  incoming: IncomingMessage,
  refusal: LabMessageRefused,
  clock: Date,
): Promise<ReceiptOutcome> {
  const messageId = await database.transaction(async (trx) => {
    const id = await storeMessage(trx, studyId, caller, incoming, {
      controlId: refusal.controlId,
      status: 'rejected',
      error: refusal.message,
      at: clock,
    });
    await recordAudit(trx, studyId, caller.actor, {
      action: 'lab.message.receive',
      entityType: 'lab_message',
      entityId: id,
      newValue: {
        format: incoming.format,
        source: incoming.source,
        controlId: refusal.controlId,
        status: 'rejected',
        error: refusal.message,
      },
    });
    return id;
  });
  return {
    ackCode: refusal.ackCode,
    messageId,
    controlId: refusal.controlId,
    duplicate: false,
    written: 0,
    review: 0,
    text: refusal.message,
  };
}

async function acceptMessage(
  trx: Tx,
  studyId: string,
  caller: Caller,
  incoming: IncomingMessage,
  report: LabReport,
  clock: Date,
): Promise<ReceiptOutcome> {
  const earlier = await trx
    .selectFrom('lab_message')
    .select(['message_id', 'raw'])
    .where('study_id', '=', studyId)
    .where('format', '=', incoming.format)
    .where('control_id', '=', report.controlId)
    .where('status', '=', 'accepted')
    .executeTakeFirst();
  if (earlier) {
    const same = earlier.raw === incoming.raw;
    return {
      ackCode: same ? 'AA' : 'AE',
      messageId: earlier.message_id,
      controlId: report.controlId,
      duplicate: true,
      written: 0,
      review: 0,
      text: same
        ? `Message ${report.controlId} was received before; nothing was done again.`
        : `Control id ${report.controlId} was already used by another message; give each message its own control id (MSH-10, Bundle.identifier).`,
    };
  }
  const siteId = await siteOfMessage(trx, studyId, caller, {
    chosenSiteId: incoming.siteId,
    sendingFacility: report.sendingFacility,
  });
  const messageId = await storeMessage(trx, studyId, caller, incoming, {
    controlId: report.controlId,
    status: 'accepted',
    error: null,
    at: clock,
    sendingFacility: report.sendingFacility,
    siteId,
  });
  let written = 0;
  for (const result of report.results) {
    const outcome = await takeResult(
      trx,
      studyId,
      caller,
      { messageId, controlId: report.controlId, format: incoming.format, clock, siteId },
      result,
    );
    if (outcome === 'written') written += 1;
  }
  const review = report.results.length - written;
  await recordAudit(trx, studyId, caller.actor, {
    action: 'lab.message.receive',
    entityType: 'lab_message',
    entityId: messageId,
    newValue: {
      format: incoming.format,
      source: incoming.source,
      controlId: report.controlId,
      status: 'accepted',
      sendingFacility: report.sendingFacility,
      siteId,
      results: report.results.length,
      written,
      review,
    },
  });
  return {
    ackCode: 'AA',
    messageId,
    controlId: report.controlId,
    duplicate: false,
    written,
    review,
    text: `${written} result${written === 1 ? '' : 's'} written, ${review} waiting for review.`,
  };
}

/** The audit reason of a value from a laboratory message: the message names it. */
export const messageReason = (controlId: string, seq: number, format: LabMessageFormat) =>
  `laboratory result ${seq} of ${format === 'hl7v2' ? 'HL7 message' : 'FHIR bundle'} ${controlId}`;

async function takeResult(
  trx: Tx,
  studyId: string,
  caller: Caller,
  message: {
    messageId: string;
    controlId: string;
    format: LabMessageFormat;
    clock: Date;
    siteId: string | null;
  },
  result: ReportedResult,
): Promise<'written' | 'review'> {
  const row = {
    study_id: studyId,
    result_id: randomUUID(),
    message_id: message.messageId,
    seq: result.seq,
    hospital_id: result.hospitalId,
    loinc: result.loinc ?? '',
    test_name: result.testName || null,
    value: result.value,
    unit: result.unit,
    collected_at: result.collectedAt ? collectionText(result.collectedAt) : null,
  };
  const stored = {
    loinc: row.loinc,
    value: result.value,
    unit: result.unit,
    collectedAt: result.collectedAt,
  };
  let participant: { participant_id: string; site_id: string } | undefined;
  try {
    participant = await matchParticipant(trx, studyId, result.hospitalId, message.siteId);
    const place = await writeResult(trx, studyId, caller, {
      participantId: participant.participant_id,
      result: stored,
      auditReason: messageReason(message.controlId, result.seq, message.format),
      permission: 'crf.import',
      clock: message.clock,
    });
    await trx
      .insertInto('lab_result')
      .values({
        ...row,
        participant_id: place.participantId,
        site_id: place.siteId,
        visit_key: place.visitKey,
        form_id: place.formId,
        item_id: place.itemId,
        instance: place.instance,
        record_id: place.recordId,
        status: 'written',
      })
      .execute();
    return 'written';
  } catch (error) {
    if (!(error instanceof PlacementProblem)) throw error;
    await trx
      .insertInto('lab_result')
      .values({
        ...row,
        participant_id: participant?.participant_id ?? null,
        // Unmatched, the result is the message's site's to review (none: study-wide reviewers only).
        site_id: participant?.site_id ?? message.siteId,
        status: 'review',
        problem: error.problem,
        problem_text: error.message,
      })
      .execute();
    return 'review';
  }
}

/**
 * The participant a hospital identifier names: among the participants of the message's site when it
 * is known (another hospital's record number may be the same), else the one participant of the study
 * who has it; several sites' participants with it leave the choice to a person.
 */
async function matchParticipant(trx: Tx, studyId: string, hospitalId: string | null, siteId: string | null) {
  if (!hospitalId)
    throw new PlacementProblem(
      'unknown_identifier',
      'The result names no patient identifier (PID-3, Observation.subject).',
    );
  const matches = (await participantsWithHospitalId(trx, studyId, hospitalId)).filter(
    (match) => siteId === null || match.site_id === siteId,
  );
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length === 0) {
    throw new PlacementProblem(
      'unknown_identifier',
      siteId === null
        ? 'No participant has this hospital identifier.'
        : `No participant of site ${siteId} has this hospital identifier.`,
    );
  }
  throw new PlacementProblem(
    'ambiguous_identifier',
    `Participants of ${matches.length} sites have this hospital identifier.`,
  );
}
