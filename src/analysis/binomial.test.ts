import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import {
  betaBinomialPosterior,
  evaluateRateStoppingRule,
  posteriorProbabilityAbove,
  stoppingBoundary,
} from './beta-binomial.ts';
import { type Alternative, binomialTest, clopperPearson } from './binomial.ts';

interface RBinomTest {
  x: number;
  n: number;
  p: number;
  alternative: Alternative;
  confLevel: number;
  pValue: number;
  lower: number;
  upper: number;
  estimate: number;
}

interface RPosterior {
  priorA: number;
  priorB: number;
  x: number;
  n: number;
  a: number;
  b: number;
  mean: number;
  lower95: number;
  upper95: number;
  lower90: number;
  upper90: number;
  probabilityAbove10: number;
  probabilityAbove30: number;
}

const fixture = readFixture<{ binomTest: RBinomTest[]; posterior: RPosterior[] }>('binomial.json');

describe('binomialTest and clopperPearson against R binom.test', () => {
  it(`match p-values, estimates and intervals on ${fixture.binomTest.length} cases to 1e-12 relative`, () => {
    const comparison = new Comparison(1e-12);
    for (const expected of fixture.binomTest) {
      const { x, n, p, alternative, confLevel } = expected;
      const result = binomialTest(x, n, { p, alternative, confLevel });
      const label = `binom.test(${x}, ${n}, p = ${p}, ${alternative}, ${confLevel})`;
      comparison.check(`${label} p-value`, result.pValue, expected.pValue);
      comparison.check(`${label} estimate`, result.estimate, expected.estimate);
      comparison.check(`${label} lower`, result.confInt.lower, expected.lower);
      comparison.check(`${label} upper`, result.confInt.upper, expected.upper);
      const interval = clopperPearson(x, n, { confLevel, alternative });
      comparison.check(`${label} clopperPearson lower`, interval.lower, expected.lower);
      comparison.check(`${label} clopperPearson upper`, interval.upper, expected.upper);
    }
    expect(comparison.failures).toEqual([]);
  });

  it('rejects impossible counts and levels with a readable message', () => {
    expect(() => clopperPearson(3, 2)).toThrow(/between 0 and n = 2/);
    expect(() => clopperPearson(1.5, 2)).toThrow(/integer/);
    expect(() => clopperPearson(1, 0)).toThrow(/positive integer/);
    expect(() => clopperPearson(1, 2, { confLevel: 95 })).toThrow(/confLevel/);
    expect(() => binomialTest(1, 2, { p: 1.5 })).toThrow(/p must be/);
  });
});

describe('Beta-binomial posterior against R qbeta/pbeta', () => {
  it(`matches on ${fixture.posterior.length} prior/data combinations to 1e-12 relative`, () => {
    const comparison = new Comparison(1e-12);
    for (const expected of fixture.posterior) {
      const prior = { a: expected.priorA, b: expected.priorB };
      const label = `Beta(${prior.a}, ${prior.b}) + ${expected.x}/${expected.n}`;
      const posterior95 = betaBinomialPosterior(expected.x, expected.n, prior);
      const posterior90 = betaBinomialPosterior(expected.x, expected.n, prior, 0.9);
      comparison.check(`${label} a`, posterior95.a, expected.a);
      comparison.check(`${label} b`, posterior95.b, expected.b);
      comparison.check(`${label} mean`, posterior95.mean, expected.mean);
      comparison.check(`${label} lower95`, posterior95.lower, expected.lower95);
      comparison.check(`${label} upper95`, posterior95.upper, expected.upper95);
      comparison.check(`${label} lower90`, posterior90.lower, expected.lower90);
      comparison.check(`${label} upper90`, posterior90.upper, expected.upper90);
      comparison.check(
        `${label} P(>0.1)`,
        posteriorProbabilityAbove(expected.x, expected.n, 0.1, prior),
        expected.probabilityAbove10,
      );
      comparison.check(
        `${label} P(>0.3)`,
        posteriorProbabilityAbove(expected.x, expected.n, 0.3, prior),
        expected.probabilityAbove30,
      );
    }
    expect(comparison.failures).toEqual([]);
  });

  it('applies the MEXCOVID safety rule: Beta(1, 1), flag when P(rate > 10%) > 0.8', () => {
    const rule = { threshold: 0.1, probability: 0.8 };
    // Beta(2, 7) after 1 of 7: P(rate > 0.1) = 1 − I_0.1(2, 7) = 0.81310… > 0.8 (R: pbeta).
    const oneOfSeven = evaluateRateStoppingRule(1, 7, rule);
    expect(oneOfSeven.triggered).toBe(true);
    expect(oneOfSeven.probabilityAbove).toBeCloseTo(0.8131047, 6);
    expect(evaluateRateStoppingRule(0, 7, rule).triggered).toBe(false);
    expect(stoppingBoundary(7, rule)).toBe(1);
    expect(stoppingBoundary(30, rule)).toBe(4);
  });
});

describe('binomial properties', () => {
  const counts = fc
    .integer({ min: 1, max: 400 })
    .chain((n) => fc.record({ n: fc.constant(n), x: fc.integer({ min: 0, max: n }) }));

  it('the Clopper–Pearson interval lies in [0, 1] and contains x / n', () => {
    fc.assert(
      fc.property(counts, fc.double({ min: 0.5, max: 0.999, noNaN: true }), ({ x, n }, confLevel) => {
        const { lower, upper } = clopperPearson(x, n, { confLevel });
        expect(lower).toBeGreaterThanOrEqual(0);
        expect(upper).toBeLessThanOrEqual(1);
        expect(lower).toBeLessThanOrEqual(x / n);
        expect(upper).toBeGreaterThanOrEqual(x / n);
      }),
    );
  });

  it('the interval widens with the confidence level and one-sided limits are tighter', () => {
    fc.assert(
      fc.property(counts, ({ x, n }) => {
        const narrow = clopperPearson(x, n, { confLevel: 0.9 });
        const wide = clopperPearson(x, n, { confLevel: 0.99 });
        expect(wide.lower).toBeLessThanOrEqual(narrow.lower);
        expect(wide.upper).toBeGreaterThanOrEqual(narrow.upper);
        expect(clopperPearson(x, n, { alternative: 'less' }).upper).toBeLessThanOrEqual(
          clopperPearson(x, n).upper,
        );
      }),
    );
  });

  it('p-values are probabilities and the two-sided one is at least the smaller one-sided one', () => {
    fc.assert(
      fc.property(counts, fc.double({ min: 0.01, max: 0.99, noNaN: true }), ({ x, n }, p) => {
        const twoSided = binomialTest(x, n, { p }).pValue;
        const less = binomialTest(x, n, { p, alternative: 'less' }).pValue;
        const greater = binomialTest(x, n, { p, alternative: 'greater' }).pValue;
        for (const value of [twoSided, less, greater]) {
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        }
        expect(twoSided).toBeGreaterThanOrEqual(Math.min(less, greater) * (1 - 1e-9));
      }),
    );
  });

  it('the posterior probability above a threshold grows with the number of events', () => {
    fc.assert(
      fc.property(counts, fc.double({ min: 0.01, max: 0.99, noNaN: true }), ({ x, n }, threshold) => {
        if (x === n) return;
        expect(posteriorProbabilityAbove(x + 1, n, threshold)).toBeGreaterThanOrEqual(
          posteriorProbabilityAbove(x, n, threshold) - 1e-15,
        );
      }),
    );
  });
});
