import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { timingOf, windowsOf } from './administration.service.ts';
import { compliance, doseState } from './dose-window.ts';
import type { DosingOverview } from './dosing.schema.ts';

/**
 * Every enrolled participant of the caller's sites with each dose's state (missed doses stand out)
 * and timing (delayed doses stand out) and their compliance, for the Dosing screen; with totals.
 */
export async function dosingOverview(db: Db, studyId: string, caller: Caller): Promise<DosingOverview> {
  authorize(caller.user, 'dosing.read');
  const { protocol } = await currentProtocol(db, studyId);
  const participants = (
    await db
      .selectFrom('participant')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('day1_date', 'is not', null)
      .execute()
  ).filter((participant) => canAccessSite(caller.user, participant.site_id));
  const rows = await db
    .selectFrom('dosing_administration')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('dose_number')
    .execute();
  const zones = new Map(
    (
      await db.selectFrom('site').select(['site_id', 'time_zone']).where('study_id', '=', studyId).execute()
    ).map((site) => [site.site_id, site.time_zone]),
  );
  const now = new Date();
  const listed = participants.map((participant) => {
    const own = rows.filter((row) => row.participant_id === participant.participant_id);
    const zone = zones.get(participant.site_id) ?? protocol.study.timeZone;
    const windows = windowsOf(protocol, participant, own, zone);
    const doses = protocol.regimen.doseVisits.flatMap((visitId, index) => {
      const window = windows[index];
      if (!window) return [];
      const row = own.find((entry) => entry.visit_id === visitId) ?? null;
      return [
        {
          visitId,
          doseNumber: index + 1,
          state: doseState(window, row, now),
          timing: timingOf(window, row),
          latest: window.latest.toISOString(),
        },
      ];
    });
    return {
      participantId: participant.participant_id,
      participantLabel: participant.study_number ?? participant.screening_number,
      siteId: participant.site_id,
      day1Date: String(participant.day1_date),
      doses,
      compliance: compliance(doses),
    };
  });
  listed.sort((a, b) => a.participantLabel.localeCompare(b.participantLabel));
  return { participants: listed, totals: compliance(listed.flatMap((entry) => entry.doses)) };
}
