import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExcursionTracker, findExcursions, outOfRange, type Reading } from './excursion.ts';

const range = { low: -90, high: -60, toleranceMinutes: 30 };
const t0 = Date.parse('2026-03-01T00:00:00Z');
const at = (minutes: number, celsius: number): Reading => ({ at: new Date(t0 + minutes * 60_000), celsius });

describe('excursions', () => {
  it('finds none while every reading is in range, limits included', () => {
    expect(findExcursions(range, [at(0, -90), at(5, -60), at(10, -80)])).toEqual([]);
  });

  it('runs from the first reading out of range to the first back in range', () => {
    const [excursion] = findExcursions(range, [
      at(0, -80),
      at(10, -55),
      at(20, -40),
      at(50, -58),
      at(55, -81),
    ]);
    expect(excursion).toMatchObject({ minutes: 45, minCelsius: -58, maxCelsius: -40, quarantines: true });
    expect(excursion?.startedAt.toISOString()).toBe('2026-03-01T00:10:00.000Z');
    expect(excursion?.endedAt?.toISOString()).toBe('2026-03-01T00:55:00.000Z');
  });

  it('does not quarantine at the tolerance exactly, and does one minute over', () => {
    expect(findExcursions(range, [at(0, -50), at(30, -80)])[0]?.quarantines).toBe(false);
    expect(findExcursions(range, [at(0, -50), at(31, -80)])[0]?.quarantines).toBe(true);
  });

  it('counts a cold excursion too, and keeps one still open at the last reading', () => {
    const [excursion] = findExcursions(range, [at(0, -80), at(10, -95), at(60, -96)]);
    expect(excursion).toMatchObject({ endedAt: null, minutes: 50, minCelsius: -96, quarantines: true });
  });

  it('sorts readings given out of order, and the tracker refuses them', () => {
    expect(findExcursions(range, [at(60, -80), at(0, -50)])).toHaveLength(1);
    const tracker = new ExcursionTracker(range);
    tracker.push(at(10, -80));
    expect(() => tracker.push(at(5, -80))).toThrow('time order');
  });

  it('property: the excursions found cover exactly the out-of-range readings, and never overlap', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ gap: fc.integer({ min: 1, max: 120 }), celsius: fc.integer({ min: -100, max: -40 }) }),
          {
            maxLength: 200,
          },
        ),
        (steps) => {
          let minute = 0;
          const readings = steps.map((step) => {
            minute += step.gap;
            return at(minute, step.celsius);
          });
          const excursions = findExcursions(range, readings);
          for (const reading of readings) {
            const inside = excursions.some(
              (e) => reading.at >= e.startedAt && (e.endedAt === null || reading.at < e.endedAt),
            );
            if (inside !== outOfRange(range, reading.celsius)) return false;
          }
          for (let i = 1; i < excursions.length; i++) {
            const previous = excursions[i - 1];
            const current = excursions[i];
            if (!previous?.endedAt || !current || previous.endedAt > current.startedAt) return false;
          }
          return excursions.every((e) => e.quarantines === e.minutes > range.toleranceMinutes);
        },
      ),
    );
  });

  it('property: streaming in chunks with drain() finds what one pass finds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -100, max: -40 }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 50 }),
        (temps, chunk) => {
          const readings = temps.map((celsius, i) => at(i * 7, celsius));
          const tracker = new ExcursionTracker(range);
          const streamed = [];
          for (let i = 0; i < readings.length; i++) {
            const reading = readings[i];
            if (reading) tracker.push(reading);
            if (i % chunk === 0) streamed.push(...tracker.drain());
          }
          streamed.push(...tracker.drain());
          const pending = tracker.pending();
          if (pending) streamed.push(pending);
          expect(streamed).toEqual(findExcursions(range, readings));
        },
      ),
    );
  });
});
