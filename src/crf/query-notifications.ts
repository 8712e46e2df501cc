import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { notify } from '../notifications/notify.ts';

interface QueryFacts {
  queryId: string;
  participantId: string;
  siteId: string;
  visitId: string;
  formId: string;
  itemId: string;
  text: string;
  /** The query's version after this step: each step is told once. */
  version: number;
}

/**
 * A query raised (or re-opened) by a monitor or data manager reaches the site's team; an answer
 * reaches the site's monitor and the data managers. Queries that the edit checks open while the site
 * enters data are not notified: the person entering sees them on the form at once.
 */
export async function notifyQuery(
  trx: Tx,
  studyId: string,
  caller: Caller,
  step: 'opened' | 'answered',
  query: QueryFacts,
): Promise<void> {
  const participant = await trx
    .selectFrom('participant')
    .select(['study_number', 'screening_number'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', query.participantId)
    .executeTakeFirst();
  await notify(trx, studyId, {
    kind: step === 'opened' ? 'query.opened' : 'query.answered',
    siteId: query.siteId,
    params: {
      participant: participant?.study_number ?? participant?.screening_number ?? query.participantId,
      form: `${query.visitId} ${query.formId}`,
      item: query.itemId,
      text: query.text,
    },
    link: '/queries',
    eventKey: `query:${query.queryId}:${query.version}`,
    exceptUserId: caller.user.userId,
  });
}
