import { sql } from 'kysely';
import type { Entries } from '../crf/entries.ts';
import type { Database, Tx } from '../db/connection.ts';
import { participantLabels, siteZones, submissionsOf } from '../safety/adverse-event.views.ts';
import { eventClocks, summarize } from '../safety/ae-summary.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { notify } from './notify.ts';

/** A clock is "due soon" from this long before its deadline. */
export const DUE_SOON_MS = 4 * 3_600_000;

/**
 * The periodic look at every serious event's reporting clocks: one that is due within 4 hours, or
 * overdue, is notified once per clock, kind (initial, follow-up) and stage, however often the scan
 * runs and on however many servers (the event key is unique per recipient). A sponsor's clock goes
 * to the safety officer alone; a site's to the site's team and the safety officer.
 */
export async function scanClocks(database: Database, studyId: string, now: Date): Promise<number> {
  return database.transaction(async (trx) => {
    const events = await trx
      .selectFrom('adverse_event')
      .selectAll()
      .where('study_id', '=', studyId)
      // Only serious events have clocks (ae-summary.ts `clockApplies`).
      .where(sql<boolean>`entries -> 'serious' ->> 'value' = 'true'`)
      // One order on every server, so that two scans at once insert in the same order and wait for
      // each other instead of deadlocking.
      .orderBy('ae_id')
      .execute();
    if (events.length === 0) return 0;
    const zones = await siteZones(trx, studyId);
    const labels = await participantLabels(trx, studyId, [
      ...new Set(events.map((row) => row.participant_id)),
    ]);
    const submissions = await submissionsOf(
      trx,
      studyId,
      events.map((row) => row.ae_id),
    );
    let made = 0;
    for (const row of events) {
      const { protocol } = await protocolVersion(trx, studyId, row.protocol_version);
      const summary = summarize(protocol, row.entries as Entries);
      const clocks = eventClocks(
        protocol,
        summary,
        submissions
          .filter((entry) => entry.aeId === row.ae_id)
          .map((entry) => ({ ...entry, submittedAt: new Date(entry.submittedAt) })),
        { site: zones.get(row.site_id) ?? protocol.study.timeZone, sponsor: protocol.study.timeZone },
        now,
      );
      for (const clock of clocks) {
        const stage =
          clock.status === 'overdue'
            ? 'overdue'
            : clock.status === 'due' && (clock.remainingMs ?? Infinity) <= DUE_SOON_MS
              ? 'due-soon'
              : null;
        if (!stage) continue;
        made += await notifyClock(trx, studyId, now, {
          row,
          participant: labels.get(row.participant_id) ?? row.participant_id,
          clock,
          stage,
        });
      }
    }
    return made;
  });
}

async function notifyClock(
  trx: Tx,
  studyId: string,
  now: Date,
  found: {
    row: { ae_id: string; ae_number: number; site_id: string };
    participant: string;
    clock: {
      clockId: string;
      kind: string;
      name: { en: string; zh: string };
      reporter: string;
      deadlineLocal: string;
    };
    stage: 'due-soon' | 'overdue';
  },
): Promise<number> {
  const { row, clock, stage } = found;
  return notify(
    trx,
    studyId,
    {
      kind: stage === 'overdue' ? 'clock.overdue' : 'clock.due-soon',
      siteId: row.site_id,
      params: {
        participant: found.participant,
        aeNumber: row.ae_number,
        clock: clock.name,
        deadline: clock.deadlineLocal,
      },
      link: `/safety?tab=events&ae=${row.ae_id}`,
      eventKey: `clock:${row.ae_id}:${clock.clockId}:${clock.kind}:${stage}`,
      ...(clock.reporter === 'sponsor' ? { roles: ['safety_officer'] } : {}),
    },
    now,
  );
}
