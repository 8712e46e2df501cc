import type { Selectable } from 'kysely';
import { recordAudit, recordParticipantAudit } from '../audit/audit.service.ts';
import type { UserView } from '../auth/auth.schema.ts';
import type { Database, Db } from '../db/connection.ts';
import type { LabResultTable } from '../db/schema-labs.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { authorize, can, canAccessSite, type Permission, studyWideRoles } from '../kernel/permissions.ts';
import type { AssignRequest, LabResultView } from './lab-interface.schema.ts';
import { messageReason } from './lab-message.service.ts';
import { collectionFromText } from './lab-report.ts';
import { PlacementProblem } from './placement.ts';
import { writeResult } from './result-write.ts';

// The review queue: results of laboratory messages that could not be placed without a person. A
// result belongs to its participant's site or, unmatched, to the site of the laboratory that sent it
// (sending-facility.service.ts). Site staff review their sites' results; a result of no known site
// and every other one are reviewed by study-wide roles (the data manager; lab.review). The hospital
// identifier shows only to the staff of the result's site.

/** The permission a reviewer writes with: site staff enter data, the data manager imports it. */
function reviewPermission(user: Pick<UserView, 'roles' | 'siteIds'>): Permission {
  authorize(user, 'lab.review');
  return can(user, 'crf.enter') ? 'crf.enter' : 'crf.import';
}

const mayReview = (user: UserView, siteId: string | null) =>
  siteId === null ? user.roles.some((role) => studyWideRoles.has(role)) : canAccessSite(user, siteId);

type ResultRow = Selectable<LabResultTable> & {
  control_id: string | null;
  source: string;
  received_at: Date | string;
  screening_number: string | null;
  study_number: string | null;
};

function viewOf(row: ResultRow, user: UserView): LabResultView {
  const seesHospitalId = can(user, 'crf.enter') && mayReview(user, row.site_id);
  return {
    resultId: row.result_id,
    messageId: row.message_id,
    controlId: row.control_id,
    source: row.source,
    receivedAt: new Date(row.received_at).toISOString(),
    seq: row.seq,
    hospitalId: seesHospitalId ? row.hospital_id : null,
    loinc: row.loinc,
    testName: row.test_name,
    value: row.value,
    unit: row.unit,
    collectedAt: row.collected_at,
    participantId: row.participant_id,
    participant: row.study_number ?? row.screening_number,
    siteId: row.site_id,
    status: row.status,
    problem: row.problem as LabResultView['problem'],
    problemText: row.problem_text,
    visitKey: row.visit_key,
    item: row.form_id && row.item_id ? `${row.form_id}.${row.item_id}` : null,
    decidedBy: row.decided_by_name,
    decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
    decisionReason: row.decision_reason,
  };
}

const resultQuery = (db: Db, studyId: string) =>
  db
    .selectFrom('lab_result as r')
    .innerJoin('lab_message as m', (join) =>
      join.onRef('m.study_id', '=', 'r.study_id').onRef('m.message_id', '=', 'r.message_id'),
    )
    .leftJoin('participant as p', (join) =>
      join.onRef('p.study_id', '=', 'r.study_id').onRef('p.participant_id', '=', 'r.participant_id'),
    )
    .selectAll('r')
    .select(['m.control_id', 'm.source', 'm.received_at', 'p.screening_number', 'p.study_number'])
    .where('r.study_id', '=', studyId);

/** Results of laboratory messages by status (the queue: `review`), oldest first, that the caller may review. */
export async function listLabResults(
  database: Database,
  studyId: string,
  caller: Caller,
  query: { status: LabResultView['status']; limit: number },
): Promise<LabResultView[]> {
  reviewPermission(caller.user);
  const rows = await database.read((db) =>
    resultQuery(db, studyId)
      .where('r.status', '=', query.status)
      .orderBy('m.received_at')
      .orderBy('r.seq')
      .execute(),
  );
  return rows
    .filter((row) => mayReview(caller.user, row.site_id))
    .slice(0, query.limit)
    .map((row) => viewOf(row, caller.user));
}

async function heldResult(trx: Db, studyId: string, caller: Caller, resultId: string) {
  const row = await resultQuery(trx, studyId)
    .where('r.result_id', '=', resultId)
    .forUpdate('r')
    .executeTakeFirst();
  if (!row || !mayReview(caller.user, row.site_id)) throw notFound(`Laboratory result ${resultId}`);
  if (row.status !== 'review') {
    throw conflict(
      `This result is no longer waiting for review (${row.status}${row.decided_by_name ? ` by ${row.decided_by_name}` : ''}).`,
    );
  }
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A participant named by id, study number or screening number. */
async function participantNamed(db: Db, studyId: string, name: string) {
  const row = await db
    .selectFrom('participant')
    .select(['participant_id', 'site_id'])
    .where('study_id', '=', studyId)
    .where((eb) =>
      eb.or([
        eb('study_number', '=', name),
        eb('screening_number', '=', name),
        // participant_id is a uuid column: a number compared with it would be a type error.
        ...(UUID.test(name) ? [eb('participant_id', '=', name)] : []),
      ]),
    )
    .executeTakeFirst();
  if (!row) throw notFound(`Participant ${name}`);
  return row;
}

/**
 * A person sends a waiting result to a participant (and a visit and item where the result cannot say):
 * it is written through the one form writer like a received result, its audit reason naming the
 * message and the reviewer's reason; a value already there is replaced, the reason saying why. A
 * result the form still refuses stays in the queue and the refusal is answered (409).
 */
export async function assignLabResult(
  database: Database,
  studyId: string,
  caller: Caller,
  resultId: string,
  request: AssignRequest,
  clock: Date = new Date(),
): Promise<LabResultView> {
  const permission = reviewPermission(caller.user);
  return database.transaction(async (trx) => {
    const row = await heldResult(trx, studyId, caller, resultId);
    const participant = await participantNamed(trx, studyId, request.participant);
    const format = await messageFormat(trx, studyId, row.message_id);
    const auditReason = `${messageReason(row.control_id ?? row.message_id, row.seq, format)}; assigned: ${request.reason}`;
    let place: Awaited<ReturnType<typeof writeResult>>;
    try {
      place = await writeResult(trx, studyId, caller, {
        participantId: participant.participant_id,
        result: {
          loinc: row.loinc,
          value: row.value,
          unit: row.unit,
          collectedAt: row.collected_at ? collectionFromText(row.collected_at) : null,
        },
        auditReason,
        permission,
        clock,
        assignment: { item: request.item, visitKey: request.visitKey, instance: request.instance },
        replace: true,
      });
    } catch (error) {
      if (!(error instanceof PlacementProblem)) throw error;
      throw conflict(error.message, { problem: error.problem });
    }
    const decided = {
      participant_id: place.participantId,
      site_id: place.siteId,
      visit_key: place.visitKey,
      form_id: place.formId,
      item_id: place.itemId,
      instance: place.instance,
      record_id: place.recordId,
      status: 'assigned' as const,
      decided_by: caller.user.userId,
      decided_by_name: caller.user.name,
      decided_at: clock,
      decision_reason: request.reason,
    };
    await trx
      .updateTable('lab_result')
      .set(decided)
      .where('study_id', '=', studyId)
      .where('result_id', '=', resultId)
      .execute();
    await recordParticipantAudit(
      trx,
      studyId,
      caller.actor,
      { participant_id: place.participantId, site_id: place.siteId },
      {
        action: 'lab.result.assign',
        entityType: 'lab_result',
        entityId: resultId,
        oldValue: { status: 'review', problem: row.problem },
        newValue: {
          status: 'assigned',
          visitKey: place.visitKey,
          item: `${place.formId}.${place.itemId}`,
          instance: place.instance,
        },
        reason: request.reason,
      },
    );
    return viewOf({ ...row, ...decided, study_number: null, screening_number: null }, caller.user);
  });
}

async function messageFormat(db: Db, studyId: string, messageId: string) {
  const message = await db
    .selectFrom('lab_message')
    .select('format')
    .where('study_id', '=', studyId)
    .where('message_id', '=', messageId)
    .executeTakeFirstOrThrow();
  return message.format;
}

/** A waiting result set aside with a reason (not a trial patient's, a test sent twice): audited, kept. */
export async function dismissLabResult(
  database: Database,
  studyId: string,
  caller: Caller,
  resultId: string,
  reason: string,
  clock: Date = new Date(),
): Promise<LabResultView> {
  reviewPermission(caller.user);
  return database.transaction(async (trx) => {
    const row = await heldResult(trx, studyId, caller, resultId);
    const decided = {
      status: 'dismissed' as const,
      decided_by: caller.user.userId,
      decided_by_name: caller.user.name,
      decided_at: clock,
      decision_reason: reason,
    };
    await trx
      .updateTable('lab_result')
      .set(decided)
      .where('study_id', '=', studyId)
      .where('result_id', '=', resultId)
      .execute();
    const event = {
      action: 'lab.result.dismiss' as const,
      entityType: 'lab_result',
      entityId: resultId,
      oldValue: { status: 'review', problem: row.problem },
      newValue: { status: 'dismissed' },
      reason,
    };
    if (row.participant_id && row.site_id) {
      await recordParticipantAudit(
        trx,
        studyId,
        caller.actor,
        { participant_id: row.participant_id, site_id: row.site_id },
        event,
      );
    } else await recordAudit(trx, studyId, caller.actor, event);
    return viewOf({ ...row, ...decided }, caller.user);
  });
}
