import type { UserView } from '../auth/auth.schema.ts';
import type { Db } from '../db/connection.ts';
import { can } from '../kernel/permissions.ts';

/**
 * Whether this user may see the arms of the study's participants: the one question every screen,
 * route, export and report asks before it shows an arm, so that blinding is decided in one place.
 * Unblinded roles (those that may read the randomisation list: the statistician, the unblinded
 * pharmacist, the DSMB) always may; the study's unblinding at database lock opens the arms to
 * everyone who reads the study.
 */
export async function armsVisible(db: Db, studyId: string, user: Pick<UserView, 'roles'>): Promise<boolean> {
  if (can(user, 'randomisation.view-list')) return true;
  return (await studyUnblinded(db, studyId)) !== null;
}

/** The study's unblinding record, or null while the study is blind. */
export async function studyUnblinded(db: Db, studyId: string) {
  const row = await db
    .selectFrom('study_unblinding')
    .select(['unblinded_by_name', 'unblinded_at', 'reason'])
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  return row ?? null;
}

/**
 * Whether the user may see this one participant's arm: as for the whole study, or, after an
 * emergency unblinding of the participant, an investigator of the participant's site (the one who
 * unblinded, and the colleagues who treat the participant with them).
 */
export async function participantArmVisible(
  db: Db,
  studyId: string,
  user: Pick<UserView, 'roles' | 'siteIds'>,
  participant: { participantId: string; siteId: string },
): Promise<boolean> {
  if (await armsVisible(db, studyId, user)) return true;
  if (!can(user, 'randomisation.emergency-unblind') || !user.siteIds.includes(participant.siteId)) {
    return false;
  }
  const unblinded = await db
    .selectFrom('participant_unblinding')
    .select('unblinding_id')
    .where('study_id', '=', studyId)
    .where('participant_id', '=', participant.participantId)
    .limit(1)
    .executeTakeFirst();
  return unblinded !== undefined;
}
