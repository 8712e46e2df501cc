import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict } from '../kernel/errors.ts';
import { authorize, can, canAccessSite } from '../kernel/permissions.ts';
import { writableParticipant } from './writable.ts';

// The participant's hospital identifier (medical record number at the site), by which laboratory
// messages name the patient. It identifies a person, so it is kept apart from the participant row,
// shown only to the site's own staff (participant.screen at the site), and left out of every export.

/**
 * The identifier as the audit trail shows it: its length and last two characters. The trail goes
 * out with the ODM export and the audit export, and the identifier must not; the full value stays in
 * its own table, which no export reads.
 */
export const maskedHospitalId = (hospitalId: string): string =>
  `${'•'.repeat(Math.max(hospitalId.length - 2, 0))}${hospitalId.slice(-2)}`;

/**
 * Records or changes the identifier in the caller's transaction, audited (a change needs a reason).
 * Two participants of one site cannot share it.
 */
export async function recordHospitalId(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: { participant_id: string; site_id: string },
  input: { hospitalId: string; reason?: string },
  clock: Date,
): Promise<void> {
  authorize(caller.user, 'participant.screen', { siteId: participant.site_id });
  const taken = await trx
    .selectFrom('participant_hospital_id')
    .select('participant_id')
    .where('study_id', '=', studyId)
    .where('site_id', '=', participant.site_id)
    .where('hospital_id', '=', input.hospitalId)
    .executeTakeFirst();
  if (taken && taken.participant_id !== participant.participant_id) {
    throw conflict(
      'Another participant of this site has this hospital identifier; check the medical record number.',
    );
  }
  const old = await trx
    .selectFrom('participant_hospital_id')
    .select(['hospital_id', 'site_id', 'recorded_at', 'recorded_by'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participant_id)
    .executeTakeFirst();
  if (old?.hospital_id === input.hospitalId) return;
  if (old && !input.reason) {
    throw conflict('The hospital identifier was recorded before; give the reason for changing it.');
  }
  if (old && input.reason) {
    // The value replaced stays, in full, where the current one is read (the audit shows it masked).
    const replaced = await trx
      .selectFrom('participant_hospital_id_history')
      .select((eb) => eb.fn.max('replaced_seq').as('last'))
      .where('study_id', '=', studyId)
      .where('participant_id', '=', participant.participant_id)
      .executeTakeFirst();
    await trx
      .insertInto('participant_hospital_id_history')
      .values({
        study_id: studyId,
        participant_id: participant.participant_id,
        replaced_seq: Number(replaced?.last ?? 0) + 1,
        site_id: old.site_id,
        hospital_id: old.hospital_id,
        recorded_at: old.recorded_at,
        recorded_by: old.recorded_by,
        replaced_at: clock,
        replaced_by: caller.user.userId,
        reason: input.reason,
      })
      .execute();
  }
  await trx
    .insertInto('participant_hospital_id')
    .values({
      study_id: studyId,
      participant_id: participant.participant_id,
      site_id: participant.site_id,
      hospital_id: input.hospitalId,
      recorded_at: clock,
      recorded_by: caller.user.userId,
    })
    .onConflict((oc) =>
      oc.columns(['study_id', 'participant_id']).doUpdateSet({
        hospital_id: input.hospitalId,
        recorded_at: clock,
        recorded_by: caller.user.userId,
      }),
    )
    .execute();
  await recordParticipantAudit(trx, studyId, caller.actor, participant, {
    action: 'participant.hospital_id',
    entityType: 'participant',
    entityId: participant.participant_id,
    field: 'hospitalId',
    oldValue: old ? maskedHospitalId(old.hospital_id) : null,
    newValue: maskedHospitalId(input.hospitalId),
    reason: input.reason,
  });
}

/** `recordHospitalId` for a participant by id, in its own transaction (the participant writable). */
export async function setHospitalId(
  database: Database,
  studyId: string,
  caller: Caller,
  participantId: string,
  input: { hospitalId: string; reason?: string },
  clock = new Date(),
): Promise<void> {
  await database.transaction(async (trx) => {
    const participant = await writableParticipant(trx, studyId, participantId, {
      caller,
      permission: 'participant.screen',
    });
    await recordHospitalId(trx, studyId, caller, participant, input, clock);
  });
}

/** The identifier for a caller who may see it (the site's staff), else null. */
export async function hospitalIdFor(
  db: Db,
  studyId: string,
  caller: Caller,
  participant: { participantId: string; siteId: string },
): Promise<string | null> {
  if (!can(caller.user, 'participant.screen') || !canAccessSite(caller.user, participant.siteId)) return null;
  const row = await db
    .selectFrom('participant_hospital_id')
    .select('hospital_id')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participantId)
    .executeTakeFirst();
  return row?.hospital_id ?? null;
}
