import type { Db } from '../db/connection.ts';
import { notFound } from '../kernel/errors.ts';

export { dateInZone } from './zone-date.ts';

/** A site's time zone (IANA name); 404 for a site not in the study. */
export async function siteTimeZone(db: Db, studyId: string, siteId: string): Promise<string> {
  const site = await db
    .selectFrom('site')
    .select('time_zone')
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  if (!site) throw notFound(`Site ${siteId}`);
  return site.time_zone;
}
