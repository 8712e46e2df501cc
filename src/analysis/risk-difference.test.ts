import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import { newcombeDifference, wilsonInterval } from './risk-difference.ts';

interface RNewcombe {
  x1: number;
  n1: number;
  x2: number;
  n2: number;
  confLevel: number;
  wilson1: [number, number];
  wilson2: [number, number];
  difference: number;
  lower: number;
  upper: number;
}

const fixture = readFixture<{ newcombe: RNewcombe[] }>('risk-difference.json');

describe('Newcombe hybrid score interval for a difference of proportions', () => {
  // Newcombe (1998), Table II, method 10 (score, no continuity correction), to its four decimals.
  const published: Array<[number, number, number, number, number, number]> = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ];
  it.each(published)('%i/%i − %i/%i gives the published limits %f to %f', (x1, n1, x2, n2, lower, upper) => {
    const result = newcombeDifference(x1, n1, x2, n2);
    expect(result.difference).toBeCloseTo(x1 / n1 - x2 / n2, 14);
    expect(result.lower).toBeCloseTo(lower, 4);
    expect(result.upper).toBeCloseTo(upper, 4);
  });

  it('matches the Wilson limits of prop.test and the Newcombe limits built from them in R', () => {
    const comparison = new Comparison(1e-13);
    expect(fixture.newcombe.length).toBe(48);
    for (const row of fixture.newcombe) {
      const label = `${row.x1}/${row.n1} − ${row.x2}/${row.n2} at ${row.confLevel}`;
      const first = wilsonInterval(row.x1, row.n1, row.confLevel);
      const second = wilsonInterval(row.x2, row.n2, row.confLevel);
      comparison.checkAll(`${label} wilson1`, [first.lower, first.upper], row.wilson1);
      comparison.checkAll(`${label} wilson2`, [second.lower, second.upper], row.wilson2);
      const result = newcombeDifference(row.x1, row.n1, row.x2, row.n2, row.confLevel);
      comparison.check(`${label} difference`, result.difference, row.difference);
      // Limits near zero lose relative precision to cancellation; hold them to 1e-13 absolute too.
      expect(Math.abs(result.lower - row.lower), `${label} lower`).toBeLessThan(1e-13);
      expect(Math.abs(result.upper - row.upper), `${label} upper`).toBeLessThan(1e-13);
    }
    expect(comparison.failures).toEqual([]);
    expect(comparison.count).toBe(48 * 5);
  });

  it('holds the difference inside [−1, 1] limits and swaps sign when the arms swap', () => {
    const counts = fc
      .tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 }))
      .chain(([n1, n2]) =>
        fc.tuple(
          fc.integer({ min: 0, max: n1 }),
          fc.constant(n1),
          fc.integer({ min: 0, max: n2 }),
          fc.constant(n2),
        ),
      );
    fc.assert(
      fc.property(counts, ([x1, n1, x2, n2]) => {
        const forward = newcombeDifference(x1, n1, x2, n2);
        const backward = newcombeDifference(x2, n2, x1, n1);
        expect(forward.lower).toBeGreaterThanOrEqual(-1 - 1e-12);
        expect(forward.upper).toBeLessThanOrEqual(1 + 1e-12);
        expect(forward.lower).toBeLessThanOrEqual(forward.difference + 1e-12);
        expect(forward.upper).toBeGreaterThanOrEqual(forward.difference - 1e-12);
        expect(backward.lower).toBeCloseTo(-forward.upper, 12);
        expect(backward.upper).toBeCloseTo(-forward.lower, 12);
      }),
    );
  });

  it('refuses counts that are not proportions, saying which', () => {
    expect(() => newcombeDifference(3, 2, 1, 4)).toThrow(
      'first proportion: x must be an integer between 0 and n = 2',
    );
    expect(() => newcombeDifference(1, 2, 1, 0)).toThrow('second proportion: n must be a positive integer');
    expect(() => wilsonInterval(1, 2, 1)).toThrow('confLevel must be strictly between 0 and 1');
  });
});
