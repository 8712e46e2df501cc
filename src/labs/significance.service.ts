import type { Selectable } from 'kysely';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { LabFlagTable } from '../db/schema-labs.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import { writableParticipant } from '../participants/writable.ts';
import type { LabFlagView, SignificanceRequest } from './lab.schema.ts';

type FlagRow = Selectable<LabFlagTable>;

/** A flag as the API shows it, with the protocol version its form record was entered under. */
export const flagView = (row: FlagRow, protocolVersion: number): LabFlagView => ({
  recordId: row.record_id,
  itemId: row.item_id,
  itemKey: row.item_key,
  visitKey: row.visit_id,
  protocolVersion,
  revision: row.revision,
  collectedOn: row.collected_on,
  value: row.value,
  unit: row.unit,
  original:
    row.original_value !== null && row.original_unit !== null
      ? { value: row.original_value, unit: row.original_unit }
      : null,
  flag: row.flag,
  range:
    row.range_id !== null && row.range_unit !== null
      ? {
          rangeId: row.range_id,
          unit: row.range_unit,
          low: row.range_low,
          high: row.range_high,
          standardLow: row.standard_low,
          standardHigh: row.standard_high,
        }
      : null,
  significance:
    row.significant !== null && row.significance_by_name !== null && row.significance_at !== null
      ? {
          significant: row.significant,
          by: row.significance_by_name,
          at: new Date(row.significance_at).toISOString(),
          comment: row.significance_comment,
        }
      : null,
});

/** The protocol version each of a participant's form records (or one of them) was entered under. */
async function recordVersions(
  db: Db,
  studyId: string,
  participantId: string,
  recordId?: string,
): Promise<Map<string, number>> {
  let query = db
    .selectFrom('form_record')
    .select(['record_id', 'protocol_version'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId);
  if (recordId !== undefined) query = query.where('record_id', '=', recordId);
  const rows = await query.execute();
  return new Map(rows.map((row) => [row.record_id, row.protocol_version]));
}

/** A participant's laboratory values with their flags, by visit and item. */
export async function listFlags(
  db: Db,
  studyId: string,
  caller: Caller,
  participantId: string,
): Promise<LabFlagView[]> {
  const participant = await findParticipant(db, studyId, participantId);
  authorize(caller.user, 'crf.read', { siteId: participant.site_id });
  const rows = await db
    .selectFrom('lab_flag')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .orderBy('collected_on')
    .orderBy('visit_id')
    .orderBy('item_key')
    .execute();
  const versions = await recordVersions(db, studyId, participant.participant_id);
  return rows.map((row) => flagView(row, versions.get(row.record_id) ?? 0));
}

/**
 * The investigator marks an out-of-range value clinically significant or not (a normal or unflagged
 * value has nothing to judge). The judgement is for the revision the investigator saw: a value changed
 * since gets 409, as it needs a new look. Audited with the value, its flag and the old judgement.
 */
export async function markSignificance(
  database: Database,
  studyId: string,
  caller: Caller,
  target: { participantId: string; recordId: string; itemId: string },
  request: SignificanceRequest,
  clock = new Date(),
): Promise<LabFlagView> {
  return database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, target.participantId, {
      caller,
      permission: 'lab.assess',
    });
    const row = await trx
      .selectFrom('lab_flag')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participant.participant_id)
      .where('record_id', '=', target.recordId)
      .where('item_id', '=', target.itemId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound(`A laboratory value ${target.itemId} of record ${target.recordId}`);
    if (row.flag !== 'low' && row.flag !== 'high') {
      throw validationFailed([
        {
          field: 'significant',
          message: `${row.item_key} is ${row.flag ?? 'not flagged (no reference range applies)'}: only a value out of range is judged.`,
        },
      ]);
    }
    if (row.revision !== request.revision) {
      throw conflict(
        `${row.item_key} was changed since (now revision ${row.revision}, yours ${request.revision}): look at the new value.`,
      );
    }
    const updated = await trx
      .updateTable('lab_flag')
      .set({
        significant: request.significant,
        significance_by: caller.actor.type === 'user' ? caller.actor.userId : caller.actor.label,
        significance_by_name: caller.user.name,
        significance_at: clock,
        significance_comment: request.comment || null,
      })
      .where('study_id', '=', studyId)
      .where('record_id', '=', row.record_id)
      .where('item_id', '=', row.item_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordParticipantAudit(trx, studyId, caller.actor, participant, {
      action: 'lab.significance.mark',
      entityType: 'lab_flag',
      entityId: `${row.record_id}:${row.item_id}`,
      field: `${row.visit_id}:${row.item_key}`,
      oldValue:
        row.significant === null ? null : { significant: row.significant, comment: row.significance_comment },
      newValue: { significant: request.significant, comment: request.comment || null },
      context: { value: row.value, unit: row.unit, flag: row.flag, revision: row.revision },
    });
    const versions = await recordVersions(trx, studyId, participant.participant_id, row.record_id);
    return flagView(updated, versions.get(row.record_id) ?? 0);
  });
}
