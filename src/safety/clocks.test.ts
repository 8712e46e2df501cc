import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDuration,
  clockState,
  formatInZone,
  instantOfWallTime,
  parseClinicalTime,
  wallTimeOf,
} from './clocks.ts';

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const SHANGHAI = 'Asia/Shanghai';
const hours = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 3_600_000;
const at = (text: string, zone: string) => {
  const instant = parseClinicalTime(text, zone);
  if (!instant) throw new Error(`not a time: ${text}`);
  return instant;
};

describe('reading clinical times in a zone', () => {
  it('reads a wall-clock time in the reporter’s zone and an explicit offset as that instant', () => {
    expect(at('2026-01-15T09:00', SHANGHAI).toISOString()).toBe('2026-01-15T01:00:00.000Z');
    expect(at('2026-01-15T09:00', NY).toISOString()).toBe('2026-01-15T14:00:00.000Z');
    expect(at('2026-07-15T09:00', NY).toISOString()).toBe('2026-07-15T13:00:00.000Z');
    expect(at('2026-01-15T09:00Z', NY).toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(at('2026-01-15T09:00+08:00', NY).toISOString()).toBe('2026-01-15T01:00:00.000Z');
  });

  it('moves a time skipped in spring forward by the gap, and takes the earlier of a repeated time', () => {
    // New York skips 02:00–03:00 on 2026-03-08: 02:30 does not exist and reads as 03:30 EDT.
    expect(at('2026-03-08T02:30', NY).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // London repeats 01:00–02:00 on 2026-10-25: 01:30 BST (00:30Z) comes before 01:30 GMT.
    expect(at('2026-10-25T01:30', LONDON).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(at('2026-11-01T01:30', NY).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('refuses text that is not a real date-time', () => {
    for (const text of ['2026-02-29T10:00', '2026-13-01T00:00', '2026-01-01T24:00', 'yesterday', '']) {
      expect(parseClinicalTime(text, SHANGHAI), text).toBeNull();
    }
  });

  it('round-trips any instant through its wall-clock time (property, three zones)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.constantFrom(NY, LONDON, SHANGHAI, 'Australia/Lord_Howe'),
        (ms, zone) => {
          const instant = new Date(Math.floor(ms / 1000) * 1000);
          const back = instantOfWallTime(wallTimeOf(instant, zone), zone);
          // A repeated hour maps to its earlier instant; otherwise the same one.
          const diff = instant.getTime() - back.getTime();
          return diff === 0 || (diff > 0 && diff <= 3_600_000);
        },
      ),
    );
  });
});

describe('deadlines: hours are elapsed time', () => {
  it('24 hours across New York’s spring-forward night end at 02:30 wall time the next day, 24 h later', () => {
    const aware = at('2026-03-08T01:30', NY); // EST, half an hour before the clocks jump
    const deadline = addDuration(aware, { value: 24, unit: 'hours' }, NY);
    expect(hours(aware, deadline)).toBe(24);
    expect(formatInZone(deadline, NY)).toBe('2026-03-09 02:30 (America/New_York)');
  });

  it('24 hours across London’s fall-back night end at 23:30 wall time the same evening’s next day', () => {
    const aware = at('2026-10-25T00:30', LONDON); // BST
    const deadline = addDuration(aware, { value: 24, unit: 'hours' }, LONDON);
    expect(hours(aware, deadline)).toBe(24);
    expect(formatInZone(deadline, LONDON)).toBe('2026-10-25 23:30 (Europe/London)');
  });

  it('does not depend on the zone at all', () => {
    const aware = new Date('2026-03-08T06:30:00Z');
    for (const zone of [NY, LONDON, SHANGHAI]) {
      expect(addDuration(aware, { value: 24, unit: 'hours' }, zone).toISOString()).toBe(
        '2026-03-09T06:30:00.000Z',
      );
    }
  });
});

describe('deadlines: days are calendar days at the same wall-clock time', () => {
  it('7 days across New York’s spring-forward end at the same wall time, 167 elapsed hours', () => {
    const aware = at('2026-03-05T10:00', NY);
    const deadline = addDuration(aware, { value: 7, unit: 'days' }, NY);
    expect(formatInZone(deadline, NY)).toBe('2026-03-12 10:00 (America/New_York)');
    expect(hours(aware, deadline)).toBe(167);
  });

  it('15 days across London’s fall-back end at the same wall time, 361 elapsed hours', () => {
    const aware = at('2026-10-20T16:45', LONDON);
    const deadline = addDuration(aware, { value: 15, unit: 'days' }, LONDON);
    expect(formatInZone(deadline, LONDON)).toBe('2026-11-04 16:45 (Europe/London)');
    expect(hours(aware, deadline)).toBe(361);
  });

  it('7 days in a zone without daylight saving are exactly 168 hours', () => {
    const aware = at('2026-03-05T10:00', SHANGHAI);
    expect(hours(aware, addDuration(aware, { value: 7, unit: 'days' }, SHANGHAI))).toBe(168);
  });

  it('a deadline landing in the skipped hour moves forward; in the repeated hour takes the earlier', () => {
    const skipped = addDuration(at('2026-03-01T02:30', NY), { value: 7, unit: 'days' }, NY);
    expect(formatInZone(skipped, NY)).toBe('2026-03-08 03:30 (America/New_York)');
    const repeated = addDuration(at('2026-10-18T01:30', LONDON), { value: 7, unit: 'days' }, LONDON);
    expect(repeated.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('the same instant has different calendar deadlines for reporters in different zones', () => {
    const aware = new Date('2026-03-05T15:00:00Z');
    const newYork = addDuration(aware, { value: 7, unit: 'days' }, NY);
    const shanghai = addDuration(aware, { value: 7, unit: 'days' }, SHANGHAI);
    expect(newYork.toISOString()).toBe('2026-03-12T14:00:00.000Z');
    expect(shanghai.toISOString()).toBe('2026-03-12T15:00:00.000Z');
  });

  it('months clamp to the last day of a shorter month', () => {
    const aware = at('2026-01-31T09:00', SHANGHAI);
    expect(formatInZone(addDuration(aware, { value: 1, unit: 'months' }, SHANGHAI), SHANGHAI)).toBe(
      '2026-02-28 09:00 (Asia/Shanghai)',
    );
  });

  it('calendar days always keep the wall-clock time and are within an hour of n × 24 h (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2035, 0, 1) }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(NY, LONDON, SHANGHAI),
        (ms, days, zone) => {
          const start = new Date(Math.floor(ms / 60_000) * 60_000);
          const end = addDuration(start, { value: days, unit: 'days' }, zone);
          const drift = Math.abs(hours(start, end) - days * 24);
          const startWall = wallTimeOf(start, zone);
          const endWall = wallTimeOf(end, zone);
          const sameWall = startWall.hour === endWall.hour && startWall.minute === endWall.minute;
          // Only an end in the hour skipped in spring shifts its wall time, forward by that hour.
          const shiftedByGap =
            endWall.hour === (startWall.hour + 1) % 24 && endWall.minute === startWall.minute;
          return drift <= 1 && (sameWall || shiftedByGap);
        },
      ),
    );
  });
});

describe('clock state', () => {
  const deadline = new Date('2026-03-09T06:30:00Z');
  it('is due until the deadline and overdue from it', () => {
    expect(clockState(deadline, null, new Date('2026-03-09T06:29:59.999Z'))).toMatchObject({
      status: 'due',
      remainingMs: 1,
    });
    expect(clockState(deadline, null, deadline)).toMatchObject({ status: 'overdue', remainingMs: 0 });
  });
  it('is met when reported at or before the deadline and late after it', () => {
    expect(clockState(deadline, deadline, new Date('2027-01-01')).status).toBe('met');
    expect(clockState(deadline, new Date(deadline.getTime() + 1), deadline).status).toBe('late');
  });
});
