import { serverNow } from './client.ts';
import { useStudySites } from './trial.ts';

// Times offered as "now" or "today" are the site's: the server's clock read in the site's time zone,
// which is how the server reads every typed time. The browser's own zone and clock play no part, so a
// ward computer set to another zone (or with a wrong clock) cannot shift a dose or a reading by hours.

/** Wall-clock text (`YYYY-MM-DDTHH:MM`) in a time zone for an instant, as a datetime-local input takes it. */
export function wallClock(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
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
