// Pure: expedited-reporting clocks. No I/O and no "now" other than the one passed in.
//
// Interpretation (ICH E2A, and the protocol's `safety.clocks`):
// - A deadline in minutes or hours is elapsed time: 24 hours is 86 400 seconds after awareness, whatever
//   the clocks on the wall do in between (a daylight-saving change makes it 23 or 25 wall-clock hours).
// - A deadline in days is calendar days: it ends at the same wall-clock time N days later in the
//   reporter's time zone (the site's for a site report, the study's for a sponsor report). Across a
//   daylight-saving change 7 calendar days are 7 × 24 ± 1 elapsed hours. Months work the same way (the
//   day of month is clamped to the month's last day).
// - A wall-clock time that does not exist (the hour skipped in spring) moves forward by the gap; one that
//   happens twice (the hour repeated in autumn) is the earlier instant, so a deadline is never later than
//   a reporter reading the calendar would expect.
// - A clinical date-time entered without an offset (`2026-03-08T01:30`) is the wall-clock time in the
//   reporter's zone; with `Z` or `±hh:mm` it is that instant.

export type DurationUnit = 'minutes' | 'hours' | 'days' | 'months';

export interface Duration {
  value: number;
  unit: DurationUnit;
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time of an instant in a time zone. */
export function wallTimeOf(instant: Date, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    millisecond: instant.getUTCMilliseconds(),
  };
}

const wallAsUtc = (wall: WallTime) =>
  Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const wall = wallTimeOf(new Date(instantMs), timeZone);
  return wallAsUtc({ ...wall, millisecond: 0 }) - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time names in a zone: the earlier one when the time happens twice, and for a
 * time skipped by a daylight-saving change the time moved forward by the gap (as Temporal's "compatible").
 */
export function instantOfWallTime(wall: WallTime, timeZone: string): Date {
  const asUtc = wallAsUtc(wall);
  const day = 86_400_000;
  const offsets = [zoneOffsetMs(asUtc - day, timeZone), zoneOffsetMs(asUtc + day, timeZone)];
  const valid = offsets
    .map((offset) => asUtc - offset)
    .filter((candidate) => zoneOffsetMs(candidate, timeZone) === asUtc - candidate);
  if (valid.length > 0) return new Date(Math.min(...valid));
  // In the gap: read the wall time with the offset in force before the change.
  return new Date(asUtc - (offsets[0] ?? 0));
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Reads a clinical date-time: with an offset it is that instant; without, the wall-clock time in
 * `timeZone` (a date alone is its midnight). Null for text that is not a real date-time.
 */
export function parseClinicalTime(text: string, timeZone: string): Date | null {
  const match = DATE_TIME.exec(text.trim());
  if (!match) return null;
  const wall: WallTime = {
    year: Number(match[1]),
    month: Number(match[2]),
    day: Number(match[3]),
    hour: Number(match[4] ?? '0'),
    minute: Number(match[5] ?? '0'),
    second: Number(match[6] ?? '0'),
    millisecond: Number((match[7] ?? '0').padEnd(3, '0')),
  };
  const check = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
  if (
    check.getUTCFullYear() !== wall.year ||
    check.getUTCMonth() !== wall.month - 1 ||
    check.getUTCDate() !== wall.day ||
    wall.hour > 23 ||
    wall.minute > 59 ||
    wall.second > 59
  ) {
    return null;
  }
  const zone = match[8];
  if (zone === undefined) return instantOfWallTime(wall, timeZone);
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMinutes = zone === 'Z' ? 0 : sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return new Date(wallAsUtc(wall) - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * When a period that starts at `start` ends, for a reporter in `timeZone`: minutes and hours as elapsed
 * time, days and months as calendar periods ending at the same wall-clock time (see the file comment).
 */
export function addDuration(start: Date, duration: Duration, timeZone: string): Date {
  if (duration.unit === 'minutes') return new Date(start.getTime() + duration.value * 60_000);
  if (duration.unit === 'hours') return new Date(start.getTime() + duration.value * 3_600_000);
  const wall = wallTimeOf(start, timeZone);
  if (duration.unit === 'days') {
    if (!Number.isInteger(duration.value)) {
      // A fractional day has no calendar meaning: count it as elapsed time.
      return new Date(start.getTime() + duration.value * 86_400_000);
    }
    const shifted = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + duration.value));
    return instantOfWallTime(
      {
        ...wall,
        year: shifted.getUTCFullYear(),
        month: shifted.getUTCMonth() + 1,
        day: shifted.getUTCDate(),
      },
      timeZone,
    );
  }
  const monthIndex = wall.year * 12 + (wall.month - 1) + Math.round(duration.value);
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  return instantOfWallTime(
    { ...wall, year, month, day: Math.min(wall.day, daysInMonth(year, month)) },
    timeZone,
  );
}

export type ClockStatus = 'due' | 'overdue' | 'met' | 'late';

export interface ClockState {
  deadline: Date;
  status: ClockStatus;
  /** Milliseconds left before the deadline (negative when overdue); null once reported. */
  remainingMs: number | null;
}

/** Where a clock stands: reported in time or late, or still due or overdue at `now`. */
export function clockState(deadline: Date, reportedAt: Date | null, now: Date): ClockState {
  if (reportedAt) {
    return {
      deadline,
      status: reportedAt.getTime() <= deadline.getTime() ? 'met' : 'late',
      remainingMs: null,
    };
  }
  const remainingMs = deadline.getTime() - now.getTime();
  return { deadline, status: remainingMs > 0 ? 'due' : 'overdue', remainingMs };
}

/** An instant as wall-clock text in a zone, e.g. `2026-03-09 02:30 (America/New_York)`, for reports. */
export function formatInZone(instant: Date, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${wall.year}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)} (${timeZone})`;
}
