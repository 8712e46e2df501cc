import type { Database } from '../db/connection.ts';
import type { Role } from '../kernel/roles.ts';
import { notify } from './notify.ts';

const DAY_MS = 86_400_000;

/** Who a waiting query waits on: an open one on the site's team, an answered one on whoever raised it. */
const waitingOn: Record<'open' | 'answered', readonly Role[]> = {
  open: ['investigator', 'sub_investigator', 'study_coordinator'],
  answered: ['monitor', 'data_manager'],
};

/**
 * The periodic look at queries left waiting: one open (or answered and not closed) for longer than
 * `days` since its last step is told to those it waits on, once per query and step (the key carries the
 * query's version), however often the scan runs and on however many servers.
 */
export async function scanWaitingQueries(
  database: Database,
  studyId: string,
  now: Date,
  days: number,
): Promise<number> {
  return database.transaction(async (trx) => {
    const waiting = await trx
      .selectFrom('data_query as q')
      .innerJoin('participant as p', (join) =>
        join.onRef('p.study_id', '=', 'q.study_id').onRef('p.participant_id', '=', 'q.participant_id'),
      )
      .select(['q.query_id', 'q.site_id', 'q.status', 'q.visit_id', 'q.form_id', 'q.item_id', 'q.version'])
      .select(['q.updated_at', 'p.study_number', 'p.screening_number'])
      .where('q.study_id', '=', studyId)
      .where('q.status', 'in', ['open', 'answered'])
      .where('q.updated_at', '<=', new Date(now.getTime() - days * DAY_MS))
      // One order on every server, so that two scans at once wait for each other instead of deadlocking.
      .orderBy('q.query_id')
      .execute();
    let made = 0;
    for (const query of waiting) {
      const status = query.status === 'open' ? 'open' : 'answered';
      made += await notify(
        trx,
        studyId,
        {
          kind: 'query.waiting',
          siteId: query.site_id,
          roles: waitingOn[status],
          params: {
            participant: query.study_number ?? query.screening_number,
            form: `${query.visit_id} ${query.form_id}`,
            item: query.item_id,
            days: Math.floor((now.getTime() - new Date(query.updated_at).getTime()) / DAY_MS),
            waitingFor:
              status === 'open'
                ? { en: 'an answer from the site', zh: '研究中心回复' }
                : { en: 'review of the answer', zh: '审核回复' },
          },
          link: '/queries',
          eventKey: `query-waiting:${query.query_id}:${query.version}`,
        },
        now,
      );
    }
    return made;
  });
}
