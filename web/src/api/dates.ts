import { formatDate, formatDateTime, formatWallClock } from '../format.ts';
import { useSiteTimeZone } from './site-clock.ts';
import { useLanguage, useProtocol, useStudySites } from './trial.ts';

// Pages write dates through this hook, so each language has one format (format.ts) and times are read
// in the zone of the site they belong to (or the study's, for what belongs to no site) on every page.

/** The zone a site's times are read in: the site's, else the study's (a central depot, the sponsor). */
export function useZone(siteId?: string | null): string | undefined {
  const siteZone = useSiteTimeZone(siteId ?? undefined);
  const studyZone = useProtocol().data?.protocol.study.timeZone;
  return siteZone ?? studyZone;
}

export interface DateWriters {
  zone: string;
  /** A calendar date (`YYYY-MM-DD`). */
  date: (value: string | null | undefined) => string;
  /** An instant, read in the zone, with its offset. */
  dateTime: (value: string | Date | null | undefined) => string;
  /** A clinical time typed at the site (wall-clock text), as it reads. */
  wallClock: (value: unknown) => string;
}

export function useDates(siteId?: string | null): DateWriters {
  const language = useLanguage();
  const zone = useZone(siteId) ?? 'UTC';
  return {
    zone,
    date: (value) => formatDate(value, language),
    dateTime: (value) => formatDateTime(value, zone, language),
    wallClock: (value) => formatWallClock(value, language, zone),
  };
}

/** Instants of rows from several sites (a list), each read in its own site's zone. */
export function useDateTimeBySite(): (value: string | null | undefined, siteId: string | null) => string {
  const language = useLanguage();
  const sites = useStudySites().data ?? [];
  const studyZone = useProtocol().data?.protocol.study.timeZone ?? 'UTC';
  return (value, siteId) =>
    formatDateTime(value, sites.find((site) => site.siteId === siteId)?.timeZone ?? studyZone, language);
}
