import { sql } from 'kysely';
import { type AuditSubject, recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant, lockParticipant } from '../participants/participant.queries.ts';
import { siteProtocols } from '../protocol/site-version.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import type { Entries } from './entries.ts';
import { checkForm } from './form-checks.ts';
import { entriesOf, findRecordById } from './form-record.queries.ts';
import { participantValues } from './record-values.ts';
import { notifyFormAwaitingSignature } from './signature-notifications.ts';

/** A monitor verifies fields against source; the mark holds for the field's current revision only. */
export async function verifyFields(
  database: Database,
  studyId: string,
  caller: Caller,
  recordId: string,
  itemIds: string[],
): Promise<{ verified: string[] }> {
  return database.transaction(async (trx) => {
    const record = await findRecordById(trx, studyId, recordId, true);
    if (!record) throw notFound(`Form record ${recordId}`);
    authorize(caller.user, 'crf.sdv', { siteId: record.site_id });
    const entries = entriesOf(record);
    const unknown = itemIds.filter((itemId) => !entries[itemId]);
    if (unknown.length > 0) {
      throw validationFailed([
        { field: 'itemIds', message: `No saved value to verify for ${unknown.join(', ')}.` },
      ]);
    }
    const now = new Date();
    for (const itemId of itemIds) {
      const revision = entries[itemId]?.revision ?? 0;
      await trx
        .insertInto('field_sdv')
        .values({
          study_id: studyId,
          record_id: recordId,
          item_id: itemId,
          verified_by: caller.user.name,
          verified_at: now,
          verified_revision: revision,
        })
        .onConflict((oc) =>
          oc
            .columns(['study_id', 'record_id', 'item_id'])
            .doUpdateSet({ verified_by: caller.user.name, verified_at: now, verified_revision: revision }),
        )
        .execute();
    }
    await recordParticipantAudit(
      trx,
      studyId,
      caller.actor,
      record,
      itemIds.map((itemId) => ({
        action: 'crf.sdv',
        entityType: 'form_record',
        entityId: recordId,
        field: `${record.visit_id}:${record.form_id}[${record.instance}].${itemId}`,
        newValue: { revision: entries[itemId]?.revision ?? 0 },
      })),
    );
    // The form as the record was entered under (its protocol version), not the study's latest.
    const { protocol } = await protocolVersion(trx, studyId, record.protocol_version);
    await notifyFormAwaitingSignature(trx, studyId, caller, { record, protocol });
    return { verified: itemIds };
  });
}

type LockTarget =
  | { kind: 'record'; recordId: string }
  | { kind: 'participant'; participantId: string }
  | { kind: 'study' };

/** Data managers lock a form, a participant's casebook, or the whole study; unlocking needs a reason. */
export async function setLock(
  database: Database,
  studyId: string,
  caller: Caller,
  target: LockTarget,
  lock: boolean,
  reason: string | undefined,
): Promise<void> {
  if (!lock && !reason)
    throw validationFailed([{ field: 'reason', message: 'Give the reason for unlocking.' }]);
  await database.transaction(async (trx) => {
    const now = new Date();
    const values = lock
      ? { locked_at: now, locked_by: caller.user.name }
      : { locked_at: null, locked_by: null };
    let entityType: string;
    let entityId: string;
    let wasLocked: boolean;
    let subject: AuditSubject | null = null;
    if (target.kind === 'record') {
      const record = await findRecordById(trx, studyId, target.recordId, true);
      if (!record) throw notFound(`Form record ${target.recordId}`);
      authorize(caller.user, 'crf.lock', { siteId: record.site_id });
      wasLocked = record.locked_at !== null;
      await trx
        .updateTable('form_record')
        .set(values)
        .where('study_id', '=', studyId)
        .where('record_id', '=', record.record_id)
        .execute();
      [entityType, entityId, subject] = ['form_record', record.record_id, record];
    } else if (target.kind === 'participant') {
      const participant = await lockParticipant(trx, studyId, target.participantId);
      authorize(caller.user, 'crf.lock', { siteId: participant.site_id });
      wasLocked = participant.locked_at !== null;
      await trx
        .updateTable('participant')
        .set((eb) => ({ ...values, version: eb('version', '+', 1) }))
        .where('study_id', '=', studyId)
        .where('participant_id', '=', participant.participant_id)
        .execute();
      [entityType, entityId, subject] = ['participant', participant.participant_id, participant];
    } else {
      authorize(caller.user, 'crf.lock');
      const study = await trx
        .selectFrom('study')
        .select('locked_at')
        .where('study_id', '=', studyId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      wasLocked = study.locked_at !== null;
      await trx.updateTable('study').set(values).where('study_id', '=', studyId).execute();
      [entityType, entityId] = ['study', studyId];
    }
    if (wasLocked === lock) throw conflict(lock ? 'It is locked already.' : 'It is not locked.');
    await recordParticipantAudit(trx, studyId, caller.actor, subject, {
      action: lock ? 'lock.apply' : 'lock.release',
      entityType,
      entityId,
      field: 'locked',
      oldValue: wasLocked,
      newValue: lock,
      reason,
    });
  });
}

/** Every saved form of a participant with its state, for the casebook grid. */
export async function casebook(db: Db, studyId: string, caller: Caller, participantId: string) {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'crf.read', { siteId: participant.site_id });
  const rows = await db
    .selectFrom('form_record as r')
    .select([
      'r.record_id',
      'r.visit_id',
      'r.form_id',
      'r.instance',
      'r.entries',
      'r.signed_at',
      'r.locked_at',
      'r.version',
      'r.protocol_version',
      sql<number>`(select count(*) from data_query q where q.study_id = r.study_id and q.record_id = r.record_id and q.status <> 'closed')`.as(
        'open_queries',
      ),
    ])
    .where('r.study_id', '=', studyId)
    .where('r.participant_id', '=', participantId)
    .execute();
  const marks = await sdvMarks(db, studyId, participantId);
  const locked = participant.locked_at !== null;
  const protocols = await siteProtocols(db, studyId);
  const context = await participantValues(db, studyId, participantId);
  // Each record is checked against the form of the version it was entered under.
  const incomplete = (formId: string, entries: Entries, versionNo: number) => {
    const { protocol } = protocols.byNumber(versionNo);
    const form = protocol.forms.find((entry) => entry.id === formId);
    return form ? checkForm(protocol, form, entries, context).incomplete.length > 0 : false;
  };
  return {
    participantId,
    cells: rows.map((row) => {
      const openQueries = Number(row.open_queries);
      const fields = Object.keys(row.entries as object).length;
      const state =
        locked || row.locked_at
          ? 'locked'
          : row.signed_at
            ? 'signed'
            : openQueries > 0
              ? 'queried'
              : fields > 0 && allVerified(row.entries as Entries, marks.get(row.record_id))
                ? 'verified'
                : incomplete(row.form_id, row.entries as Entries, row.protocol_version)
                  ? 'incomplete'
                  : 'complete';
      return {
        visitKey: row.visit_id,
        formId: row.form_id,
        instance: row.instance,
        recordId: row.record_id,
        state: state as 'locked' | 'signed' | 'queried' | 'verified' | 'incomplete' | 'complete',
        openQueries,
        version: row.version,
      };
    }),
  };
}

/** The SDV marks of a participant's records: record id → item id → the revision the mark was made on. */
async function sdvMarks(db: Db, studyId: string, participantId: string) {
  const rows = await db
    .selectFrom('field_sdv as s')
    .innerJoin('form_record as r', (join) =>
      join.onRef('r.study_id', '=', 's.study_id').onRef('r.record_id', '=', 's.record_id'),
    )
    .select(['s.record_id', 's.item_id', 's.verified_revision'])
    .where('s.study_id', '=', studyId)
    .where('r.participant_id', '=', participantId)
    .execute();
  const marks = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const record = marks.get(row.record_id) ?? new Map<string, number>();
    record.set(row.item_id, row.verified_revision);
    marks.set(row.record_id, record);
  }
  return marks;
}

/**
 * Every saved field carries an SDV mark made on its current revision: a mark on an older revision of
 * a value that was changed since does not count (the same rule as the form's own `verified` flags).
 */
export function allVerified(entries: Entries, marks: ReadonlyMap<string, number> | undefined): boolean {
  return Object.entries(entries).every(([itemId, entry]) => marks?.get(itemId) === entry.revision);
}
