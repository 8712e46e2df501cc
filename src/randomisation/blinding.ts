import type { UserView } from '../auth/auth.schema.ts';
import type { Db } from '../db/connection.ts';
import { can } from '../kernel/permissions.ts';

/**
 * Whether this user may see the arms of the study's participants: the one question every screen,
 * route, export and report asks before it shows an arm, so that blinding is decided in one place.
 * Unblinded roles (those that may read the randomisation list) always may; the study's unblinding
 * at database lock opens the arms to everyone who reads the study.
 */
export async function armsVisible(
  _db: Db,
  _studyId: string,
  user: Pick<UserView, 'roles'>,
): Promise<boolean> {
  return can(user, 'randomisation.view-list');
}
