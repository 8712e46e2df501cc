import type { Updateable } from 'kysely';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { Tx } from '../db/connection.ts';
import type { ParticipantTable } from '../db/schema-participants.ts';
import type { Caller } from '../kernel/caller.ts';
import type { WritableParticipant } from './writable.ts';

/** A participant's move to a new status, with what the audit event says of it. */
export interface StatusChange {
  /** The audit action, e.g. `participant.enrol`. */
  action: AuditAction;
  status: string;
  /** The site's date of the change. */
  statusDate: string;
  /** Kept as the status reason and as the audit event's reason; left as it was when undefined. */
  reason?: string;
  /** Other columns that change with the status (the study number and day 1 at enrolment, …). */
  columns?: Updateable<ParticipantTable>;
  /** The audit event's new value (the old value is the status the participant had). */
  newValue: Record<string, unknown>;
  at: Date;
}

/**
 * Writes a participant's new status and its audit event (field `status`) in the caller's transaction;
 * the participant was locked and checked by writableParticipant, so the version moves on by one.
 */
export async function writeParticipantStatus(
  trx: Tx,
  studyId: string,
  caller: Caller,
  participant: WritableParticipant,
  participantId: string,
  change: StatusChange,
): Promise<void> {
  const reason = change.reason === undefined ? {} : { reason: change.reason };
  await trx
    .updateTable('participant')
    .set((eb) => ({
      ...change.columns,
      status: change.status,
      status_date: change.statusDate,
      ...(change.reason === undefined ? {} : { status_reason: change.reason }),
      updated_at: change.at,
      version: eb('version', '+', 1),
    }))
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participantId)
    .execute();
  await recordParticipantAudit(trx, studyId, caller.actor, participant, {
    action: change.action,
    entityType: 'participant',
    entityId: participantId,
    field: 'status',
    oldValue: participant.status,
    newValue: change.newValue,
    ...reason,
  });
}
