import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConfType, kaplanMeier, kaplanMeierByGroup, type SurvivalObservation } from './kaplan-meier.ts';

const observation = fc.record({
  time: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 40, noNaN: true })),
  event: fc.constantFrom<SurvivalObservation['event']>(0, 1),
});
const observations = fc.array(observation, { maxLength: 80 });
const confType = fc.constantFrom<ConfType>('log', 'log-log', 'plain');
const confLevel = fc.double({ min: 0.5, max: 0.999, noNaN: true });

describe('kaplanMeier properties', () => {
  it('survival starts at most 1, never increases, and stays in [0, 1]', () => {
    fc.assert(
      fc.property(observations, (data) => {
        let previous = 1;
        for (const row of kaplanMeier(data).rows) {
          expect(row.surv).toBeLessThanOrEqual(previous);
          expect(row.surv).toBeGreaterThanOrEqual(0);
          previous = row.surv;
        }
      }),
    );
  });

  it('counts add up: times increase, n at risk falls by the events and censorings', () => {
    fc.assert(
      fc.property(observations, (data) => {
        const rows = kaplanMeier(data).rows;
        expect(rows.reduce((sum, row) => sum + row.nEvent + row.nCensor, 0)).toBe(data.length);
        rows.forEach((row, index) => {
          const next = rows[index + 1];
          if (next) {
            expect(next.time).toBeGreaterThan(row.time);
            expect(next.nRisk).toBe(row.nRisk - row.nEvent - row.nCensor);
          }
        });
      }),
    );
  });

  it('every defined interval lies in [0, 1] and contains the estimate', () => {
    fc.assert(
      fc.property(observations, confType, confLevel, (data, type, level) => {
        for (const row of kaplanMeier(data, { confType: type, confLevel: level }).rows) {
          if (row.lower !== null) {
            expect(row.lower).toBeGreaterThanOrEqual(0);
            expect(row.lower).toBeLessThanOrEqual(row.surv * (1 + 1e-12));
          }
          if (row.upper !== null) {
            expect(row.upper).toBeLessThanOrEqual(1);
            expect(row.upper).toBeGreaterThanOrEqual(row.surv * (1 - 1e-12));
          }
        }
      }),
    );
  });

  it('the median, when reached, is a time at which survival is at most one half', () => {
    fc.assert(
      fc.property(observations, (data) => {
        const fit = kaplanMeier(data);
        const median = fit.median.median;
        const reached = fit.rows.some((row) => row.surv <= 0.5 + 1e-8);
        expect(median !== null).toBe(reached);
        if (median !== null) {
          const first = fit.rows.find((row) => row.surv <= 0.5 + 1e-8);
          expect(median).toBeGreaterThanOrEqual(first?.time ?? Number.NaN);
        }
      }),
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(observations, (data) => {
        const reversed = [...data].reverse();
        expect(kaplanMeier(reversed).rows).toEqual(kaplanMeier(data).rows);
      }),
    );
  });

  it('grouping by a single group gives the ungrouped fit', () => {
    fc.assert(
      fc.property(fc.array(observation, { minLength: 1, maxLength: 40 }), (data) => {
        const grouped = kaplanMeierByGroup(data.map((entry) => ({ ...entry, group: 'all' })));
        expect(grouped).toHaveLength(1);
        expect(grouped[0]?.fit.rows).toEqual(kaplanMeier(data).rows);
      }),
    );
  });

  it('numbers at risk never increase with time', () => {
    fc.assert(
      fc.property(
        observations,
        fc.array(fc.double({ min: -5, max: 50, noNaN: true }), { maxLength: 10 }),
        (data, times) => {
          const sorted = [...times].sort((a, b) => a - b);
          const counts = kaplanMeier(data).atRisk(sorted);
          counts.forEach((count, index) => {
            expect(count).toBeLessThanOrEqual(index === 0 ? data.length : (counts[index - 1] ?? 0));
          });
        },
      ),
    );
  });
});
