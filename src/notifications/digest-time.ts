import { instantOfWallTime, wallTimeOf } from '../safety/clocks.ts';

/** When the daily digest goes out, as wall-clock time in the site's zone. */
export const DIGEST_HOUR = 8;

/** The next DIGEST_HOUR:00 in `timeZone` after `now` (today's if it is still to come). */
export function nextDigestTime(now: Date, timeZone: string): Date {
  const wall = wallTimeOf(now, timeZone);
  const today = instantOfWallTime(
    { ...wall, hour: DIGEST_HOUR, minute: 0, second: 0, millisecond: 0 },
    timeZone,
  );
  if (today.getTime() > now.getTime()) return today;
  const next = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + 1));
  return instantOfWallTime(
    {
      year: next.getUTCFullYear(),
      month: next.getUTCMonth() + 1,
      day: next.getUTCDate(),
      hour: DIGEST_HOUR,
      minute: 0,
      second: 0,
      millisecond: 0,
    },
    timeZone,
  );
}
