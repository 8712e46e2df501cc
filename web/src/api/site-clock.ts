import { wallParts } from '../format.ts';
import { serverNow } from './client.ts';
import { useStudySites } from './trial.ts';

// Times offered as "now" or "today" are the site's: the server's clock read in the site's time zone,
// which is how the server reads every typed time. The browser's own zone and clock play no part, so a
// ward computer set to another zone (or with a wrong clock) cannot shift a dose or a reading by hours.

/** Wall-clock text (`YYYY-MM-DDTHH:MM`) in a time zone for an instant, as a datetime-local input takes it. */
export function wallClock(at: Date, timeZone: string): string {
  const wall = wallParts(at, timeZone);
  return `${wall.year}-${wall.month}-${wall.day}T${wall.hour}:${wall.minute}`;
}

/** Now at the site, to the minute (`YYYY-MM-DDTHH:MM`). */
export const siteNow = (timeZone: string): string => wallClock(serverNow(), timeZone);

/** Today's date at the site (`YYYY-MM-DD`). */
export const siteToday = (timeZone: string): string => siteNow(timeZone).slice(0, 10);

/** The zone as people read it: its name and its offset now, e.g. "Asia/Shanghai (UTC+8)". */
export function zoneLabel(timeZone: string, at: Date = serverNow()): string {
  const offset =
    new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? '';
  return `${timeZone} (${offset.replace('GMT', 'UTC') || 'UTC'})`;
}

/** The time zone of a site, once the study's sites are loaded. */
export function useSiteTimeZone(siteId: string | undefined): string | undefined {
  const sites = useStudySites();
  return sites.data?.find((site) => site.siteId === siteId)?.timeZone;
}

/** The latest date a date input offers: four-digit years only (a browser would take six). */
export const LAST_DATE = '9999-12-31';
export const LAST_DATE_TIME = '9999-12-31T23:59';

/**
 * The instant a wall-clock time at the site stands for (`YYYY-MM-DDTHH:MM` read in `timeZone`), as ISO
 * text with Z, for APIs that take an instant. The zone's offset is found by reading a first guess back.
 */
export function siteInstant(wall: string, timeZone: string): string {
  const asUtc = Date.parse(`${wall.slice(0, 16)}:00Z`);
  let instant = asUtc;
  for (let pass = 0; pass < 2; pass += 1) {
    const readBack = Date.parse(`${wallClock(new Date(instant), timeZone)}:00Z`);
    instant += asUtc - readBack;
  }
  return new Date(instant).toISOString();
}
