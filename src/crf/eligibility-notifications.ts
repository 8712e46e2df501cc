import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { notify } from '../notifications/notify.ts';
import { assessEligibility } from '../protocol/eligibility.ts';
import type { Protocol } from '../protocol/schema.ts';
import { screeningInputs } from './record-values.ts';

/**
 * A change to screening data after which the assessment is eligible and awaits the investigator's
 * e-signature (never confirmed, or confirmed before this change, which makes that confirmation stale):
 * the site's investigators hear of it in the save's transaction. Once per participant until the next
 * confirmation (the key carries it), so each further screening save does not tell them again; the
 * person who saved is not told.
 */
export async function notifyEligibilityAwaiting(
  trx: Tx,
  studyId: string,
  caller: Caller,
  change: { participantId: string; siteId: string; visitKey: string; protocol: Protocol },
): Promise<void> {
  const screening = change.protocol.schedule.visits
    .filter((visit) => visit.kind === 'screening')
    .map((visit) => visit.id);
  if (!screening.includes(change.visitKey)) return;
  const { values, series } = await screeningInputs(trx, studyId, change.protocol, change.participantId);
  if (assessEligibility(change.protocol, values, series).status !== 'eligible') return;
  const participant = await trx
    .selectFrom('participant')
    .select(['screening_number', 'study_number', 'eligibility_confirmed_at'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', change.participantId)
    .executeTakeFirstOrThrow();
  const confirmed = participant.eligibility_confirmed_at;
  await notify(trx, studyId, {
    kind: 'eligibility.awaiting-signature',
    siteId: change.siteId,
    params: {
      participant: participant.study_number ?? participant.screening_number,
      again: confirmed
        ? { en: ' Screening data changed after the last confirmation.', zh: '上次确认后筛选数据已更改。' }
        : { en: '', zh: '' },
    },
    link: `/participants/${change.participantId}`,
    eventKey: `eligibility:${change.participantId}:${confirmed ? new Date(confirmed).toISOString() : 'unconfirmed'}`,
    exceptUserId: caller.user.userId,
  });
}
