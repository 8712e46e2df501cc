import { randomUUID } from 'node:crypto';
import { type Actor, systemActor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Tx } from '../db/connection.ts';
import { notify } from '../notifications/notify.ts';
import { sitesDue } from './resupply.service.ts';

/** Which sites a write concerns: those named (null ones, the depot's, are left out), or every site. */
export type SitesToReview = ReadonlyArray<string | null> | 'all';

/**
 * After a write that changes a site's usable kits or its need (a dispensing, an excursion, a
 * destruction, a thaw, a shipment, a lot, a protocol change, a new site, the passing of an expiry
 * date): a site found due opens a resupply episode (one row per site, its primary key making the
 * opening idempotent under concurrent writes) and the unblinded pharmacists (who pack from the
 * depot and may know kit types) are told of it, keyed by the episode, so each is told once however
 * many writes find the site due; one who joins later is told at the next review. A site found at its
 * thresholds again closes its episode, and its next fall is a new one. Opening and closing are in
 * the audit trail. The text names the site only, never a kit type. Does nothing outside kit studies.
 */
export async function reviewResupply(
  trx: Tx,
  studyId: string,
  sites: SitesToReview,
  now: Date,
  actor: Actor = systemActor('resupply review'),
): Promise<number> {
  const wanted = sites === 'all' ? undefined : sites.filter((siteId): siteId is string => siteId !== null);
  if (wanted?.length === 0) return 0;
  const due = await sitesDue(trx, studyId, now, wanted);
  if (!due) return 0;
  let told = 0;
  for (const [siteId, isDue] of due) {
    if (!isDue) {
      const closed = await trx
        .deleteFrom('resupply_due')
        .where('study_id', '=', studyId)
        .where('site_id', '=', siteId)
        .returning(['episode_id', 'since'])
        .executeTakeFirst();
      if (closed) {
        await recordAudit(trx, studyId, actor, {
          action: 'resupply.met',
          entityType: 'site',
          entityId: siteId,
          oldValue: { episode: closed.episode_id, dueSince: new Date(closed.since).toISOString() },
        });
      }
      continue;
    }
    const opened = await trx
      .insertInto('resupply_due')
      .values({ study_id: studyId, site_id: siteId, episode_id: randomUUID(), since: now })
      .onConflict((conflict) => conflict.columns(['study_id', 'site_id']).doNothing())
      .returning('episode_id')
      .executeTakeFirst();
    if (opened) {
      await recordAudit(trx, studyId, actor, {
        action: 'resupply.due',
        entityType: 'site',
        entityId: siteId,
        newValue: { episode: opened.episode_id },
      });
    }
    const episode =
      opened ??
      (await trx
        .selectFrom('resupply_due')
        .select('episode_id')
        .where('study_id', '=', studyId)
        .where('site_id', '=', siteId)
        .executeTakeFirst());
    if (!episode) continue;
    told += await notify(
      trx,
      studyId,
      {
        kind: 'product.resupply-due',
        siteId,
        everySite: true,
        params: { site: siteId },
        link: '/product/kits',
        eventKey: `resupply-due:${siteId}:${episode.episode_id}`,
      },
      now,
    );
  }
  return told;
}

/**
 * The periodic review of every site: kits pass their expiry date without any write, and a
 * pharmacist added while a site is due has not been told yet.
 */
export async function scanResupply(database: Database, studyId: string, now: Date): Promise<number> {
  return database.transaction((trx) => reviewResupply(trx, studyId, 'all', now));
}
