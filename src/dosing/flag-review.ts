import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { canAccessSite } from '../kernel/permissions.ts';
import type { Protocol } from '../protocol/schema.ts';
import { toView, vitalsReadings } from './administration.service.ts';
import type { AdministrationView } from './dosing.schema.ts';

/** A dose whose readings raised inhalation flags, and nobody has recorded an adverse event from it yet. */
export interface FlaggedDose {
  participantId: string;
  participantLabel: string;
  siteId: string;
  administrationId: string;
  visitId: string;
  doseNumber: number;
  flags: AdministrationView['flags'];
}

/**
 * The doses of the caller's sites with inhalation flags and no adverse event recorded from them: what the
 * safety officer still has to look at. Flags are computed as the Dosing screen computes them (from the
 * vitals recorded around each dose), so the two never disagree.
 */
export async function flagsWithoutEvent(
  db: Db,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
): Promise<FlaggedDose[]> {
  const doses = await db
    .selectFrom('dosing_administration as a')
    .innerJoin('participant as p', (join) =>
      join.onRef('p.study_id', '=', 'a.study_id').onRef('p.participant_id', '=', 'a.participant_id'),
    )
    .innerJoin('site as s', (join) =>
      join.onRef('s.study_id', '=', 'a.study_id').onRef('s.site_id', '=', 'a.site_id'),
    )
    .selectAll('a')
    .select(['p.study_number', 'p.screening_number', 's.time_zone'])
    .where('a.study_id', '=', studyId)
    .where('a.status', '!=', 'not-given')
    .where('a.started_at', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('adverse_event as e')
            .select('e.ae_id')
            .whereRef('e.study_id', '=', 'a.study_id')
            .whereRef('e.administration_id', '=', 'a.administration_id'),
        ),
      ),
    )
    .orderBy('a.started_at')
    .execute();
  const visible = doses.filter((dose) => canAccessSite(caller.user, dose.site_id));
  const flagged: FlaggedDose[] = [];
  const readingsOf = new Map<string, Awaited<ReturnType<typeof vitalsReadings>>>();
  for (const dose of visible) {
    let readings = readingsOf.get(dose.participant_id);
    if (!readings) {
      readings = await vitalsReadings(db, studyId, protocol, dose.participant_id, dose.time_zone);
      readingsOf.set(dose.participant_id, readings);
    }
    const view = toView(protocol, dose, readings, []);
    if (view.flags.length === 0) continue;
    flagged.push({
      participantId: dose.participant_id,
      participantLabel: dose.study_number ?? dose.screening_number,
      siteId: dose.site_id,
      administrationId: dose.administration_id,
      visitId: dose.visit_id,
      doseNumber: dose.dose_number,
      flags: view.flags,
    });
  }
  return flagged;
}
