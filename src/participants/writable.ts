import type { Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError } from '../kernel/errors.ts';
import { authorize, type Permission } from '../kernel/permissions.ts';
import { lockParticipant, type ParticipantRow } from './participant.queries.ts';

/** Refuses a write to a participant whose casebook, or the whole study, is locked. */
export async function assertWritable(db: Db, studyId: string, participant: ParticipantRow): Promise<void> {
  if (participant.locked_at) {
    throw new DomainError(
      'locked',
      `Participant ${participant.screening_number} is locked; a data manager can unlock it.`,
    );
  }
  const study = await db
    .selectFrom('study')
    .select('locked_at')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (study?.locked_at) throw new DomainError('locked', 'The study is locked; no data can change.');
}

/**
 * The preamble of every write to a participant's records, in this order: lock the participant's row
 * (writes to one participant queue behind each other until commit), check that the caller may do
 * `permission` at the participant's site (left out when the service authorized the caller already,
 * e.g. by re-authentication for a signature), and refuse when the casebook or the study is locked.
 */
export async function writableParticipant(
  trx: Tx,
  studyId: string,
  participantId: string,
  access?: { caller: Caller; permission: Permission },
): Promise<ParticipantRow> {
  const participant = await lockParticipant(trx, studyId, participantId);
  if (access) authorize(access.caller.user, access.permission, { siteId: participant.site_id });
  await assertWritable(trx, studyId, participant);
  return participant;
}
