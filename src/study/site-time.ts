import type { Db } from '../db/connection.ts';
import { notFound } from '../kernel/errors.ts';

/**
 * The calendar date (YYYY-MM-DD) of an instant in a time zone. A site's "today" is its own: in
 * Asia/Shanghai the date turns at 16:00 UTC, so a date taken from the UTC clock is a day behind for the
 * first eight hours of every local day.
 */
export const dateInZone = (at: Date, timeZone: string): string => dateFormatter(timeZone).format(at);

// Building an Intl.DateTimeFormat costs far more than formatting with one: one per zone, kept.
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

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
