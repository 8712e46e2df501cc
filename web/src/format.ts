// One way to write a date and a date-time per language, for every page: ISO order in English
// (2026-12-04, 2026-12-04 08:30), the usual Chinese form in Chinese (2026年12月4日 08:30). A date-time
// names the zone it is read in (the site's), since a ward and a monitor may sit in different zones.

export type Language = 'en' | 'zh';

interface WallParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

/** An instant's wall-clock parts in a time zone (two-digit month, day, hour and minute, 24-hour clock). */
export function wallParts(at: Date, timeZone: string): WallParts {
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
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
  };
}

function dateText(year: string, month: string, day: string, language: Language): string {
  return language === 'zh' ? `${year}年${Number(month)}月${Number(day)}日` : `${year}-${month}-${day}`;
}

/** The zone's offset at an instant, as "UTC+8" (or "UTC"). */
export function zoneOffset(timeZone: string, at: Date): string {
  const name =
    new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? '';
  // Some ICU builds write the zero offset "GMT+0", others "GMT": both read "UTC".
  return name.replace('GMT', 'UTC').replace(/^UTC\+0$/, 'UTC') || 'UTC';
}

/** A calendar date (`YYYY-MM-DD`, as the API sends dates) in the language's one format; '—' when none. */
export function formatDate(value: string | null | undefined, language: Language): string {
  const match = value ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!match) return value || '—';
  const [, year = '', month = '', day = ''] = match;
  return dateText(year, month, day, language);
}

/** An instant (ISO text with zone, as the API sends times) read in a zone, with the zone's offset. */
export function formatDateTime(
  value: string | Date | null | undefined,
  timeZone: string,
  language: Language,
): string {
  if (value === null || value === undefined || value === '') return '—';
  const at = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(at.getTime())) return String(value);
  const wall = wallParts(at, timeZone);
  return `${dateText(wall.year, wall.month, wall.day, language)} ${wall.hour}:${wall.minute} ${zoneOffset(timeZone, at)}`;
}

/**
 * A clinical time as typed at the site (`YYYY-MM-DDTHH:MM`, the site's wall clock, or with an offset)
 * in the language's format. Wall-clock text is shown as it reads, with the site's zone when known.
 */
export function formatWallClock(value: unknown, language: Language, timeZone?: string): string {
  if (typeof value !== 'string' || value === '') return '—';
  if (/(Z|[+-]\d{2}:\d{2})$/.test(value) && timeZone) return formatDateTime(value, timeZone, language);
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!match) return formatDate(value, language);
  const [, year = '', month = '', day = '', hour = '', minute = ''] = match;
  const zone = timeZone ? ` ${zoneOffset(timeZone, new Date(`${year}-${month}-${day}T12:00:00Z`))}` : '';
  return `${dateText(year, month, day, language)} ${hour}:${minute}${zone}`;
}

/** An instant that belongs to no site (an account's lock), in the reader's own zone. */
export function formatOwnDateTime(value: string | null | undefined, language: Language): string {
  return formatDateTime(value, Intl.DateTimeFormat().resolvedOptions().timeZone, language);
}

/** An instant as a chart's axis marks it: month, day and time in the zone, the year and zone left to the caption. */
export function formatAxisTime(value: Date, timeZone: string, language: Language): string {
  const wall = wallParts(value, timeZone);
  const day =
    language === 'zh' ? `${Number(wall.month)}月${Number(wall.day)}日` : `${wall.month}-${wall.day}`;
  return `${day} ${wall.hour}:${wall.minute}`;
}
