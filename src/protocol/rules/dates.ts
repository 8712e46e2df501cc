import type { RuleDate } from './ast.ts';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:\d{2})?$/;

const MS_PER_DAY = 86_400_000;

/**
 * Parses an ISO 8601 calendar date (`2020-02-01`) or date-time (`2020-02-01T08:30`, with optional seconds and
 * `Z`/`±hh:mm` offset). A date-time without an offset is read as UTC: clinical times are entered in the site's
 * local time and the rule only ever compares or subtracts them, so a shared frame is all that matters.
 * Returns null for text that is not a real calendar date (e.g. `2021-02-29`).
 */
export function parseIsoDate(text: string): RuleDate | null {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const epochMs = calendarMs(Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3]));
    return epochMs === null ? null : { kind: 'date', epochMs, hasTime: false };
  }
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) return null;
  const day = calendarMs(Number(dateTime[1]), Number(dateTime[2]), Number(dateTime[3]));
  const hours = Number(dateTime[4]);
  const minutes = Number(dateTime[5]);
  const seconds = Number(dateTime[6] ?? '0');
  const millis = Number((dateTime[7] ?? '0').padEnd(3, '0'));
  if (day === null || hours > 23 || minutes > 59 || seconds > 59) return null;
  let offsetMinutes = 0;
  const zone = dateTime[8];
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offsetHours = Number(zone.slice(1, 3));
    const offsetRest = Number(zone.slice(4, 6));
    // Real UTC offsets run from −12:00 to +14:00; anything else is a typing error, not a time.
    if (offsetHours > 14 || offsetRest > 59) return null;
    offsetMinutes = sign * (offsetHours * 60 + offsetRest);
  }
  const epochMs = day + ((hours * 60 + minutes - offsetMinutes) * 60 + seconds) * 1000 + millis;
  return { kind: 'date', epochMs, hasTime: true };
}

function calendarMs(year: number, month: number, day: number): number | null {
  const epochMs = Date.UTC(year, month - 1, day);
  const check = new Date(epochMs);
  // Date.UTC silently rolls 2021-02-29 over to March; reject instead of guessing.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  return epochMs;
}

/**
 * Days from `from` to `to`. Two calendar dates give a whole number of days (`daysBetween(d, d) = 0`); if either
 * has a time of day the exact fractional difference is returned.
 */
export function daysBetween(from: RuleDate, to: RuleDate): number {
  if (!from.hasTime && !to.hasTime) return Math.round((to.epochMs - from.epochMs) / MS_PER_DAY);
  return (to.epochMs - from.epochMs) / MS_PER_DAY;
}

/** Exact hours from `from` to `to`. */
export function hoursBetween(from: RuleDate, to: RuleDate): number {
  return (to.epochMs - from.epochMs) / 3_600_000;
}

/**
 * Completed years from `from` to `to`, the way age is counted: a person born 1960-03-01 is 59 on 2020-02-29 and
 * 60 on 2020-03-01. Someone born on 29 February completes a year on 1 March in common years. Negative when
 * `to` is before `from`.
 */
export function yearsBetween(from: RuleDate, to: RuleDate): number {
  if (to.epochMs < from.epochMs) return -yearsBetween(to, from);
  const start = new Date(from.epochMs);
  const end = new Date(to.epochMs);
  let years = end.getUTCFullYear() - start.getUTCFullYear();
  const startMonthDay = start.getUTCMonth() * 100 + start.getUTCDate();
  const endMonthDay = end.getUTCMonth() * 100 + end.getUTCDate();
  if (endMonthDay < startMonthDay) years -= 1;
  return years;
}

/** Adds whole or fractional days to a date, keeping whether it carries a time of day. */
export function addDays(date: RuleDate, days: number): RuleDate {
  return {
    kind: 'date',
    epochMs: date.epochMs + days * MS_PER_DAY,
    hasTime: date.hasTime || !Number.isInteger(days),
  };
}
