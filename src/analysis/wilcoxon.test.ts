import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import type { Alternative } from './binomial.ts';
import { median, medianIqr, quantileType7 } from './descriptive.ts';
import { averageRanks, signedRankCdf, wilcoxonSignedRank } from './wilcoxon.ts';

interface RWilcoxon {
  name: string;
  x: number[];
  y: number[] | null;
  mu: number;
  alternative: Alternative;
  exact: boolean | null;
  correct: boolean;
  statistic: number;
  pValue: number;
  method: string;
}

interface RSample {
  name: string;
  x: number[];
  probs: number[];
  quantile: number[];
  median: number;
  iqr: number;
  q1: number;
  q3: number;
}

const wilcoxonFixture = readFixture<{ tests: RWilcoxon[] }>('wilcoxon.json');
const descriptiveFixture = readFixture<{ samples: RSample[] }>('descriptive.json');

function expectedMethod(method: string): string {
  if (method.includes('exact')) return 'exact';
  return method.includes('continuity') ? 'normal-corrected' : 'normal';
}

describe('wilcoxonSignedRank against R wilcox.test', () => {
  it(`matches V, the p-value and the method on ${wilcoxonFixture.tests.length} cases to 1e-13 relative`, () => {
    const comparison = new Comparison(1e-13);
    for (const expected of wilcoxonFixture.tests) {
      const options = {
        alternative: expected.alternative,
        correct: expected.correct,
        mu: expected.mu,
        ...(expected.exact === null ? {} : { exact: expected.exact }),
      };
      const result = wilcoxonSignedRank(expected.x, expected.y ?? undefined, options);
      const label = `${expected.name} ${expected.alternative} exact=${expected.exact} correct=${expected.correct}`;
      comparison.check(`${label} V`, result.statistic, expected.statistic);
      comparison.check(`${label} p`, result.pValue, expected.pValue);
      expect(result.method, label).toBe(expectedMethod(expected.method));
    }
    expect(comparison.failures).toEqual([]);
  });

  it('refuses samples of different lengths or with nothing left', () => {
    expect(() => wilcoxonSignedRank([1, 2], [1])).toThrow(/same length/);
    expect(() => wilcoxonSignedRank([Number.NaN])).toThrow(/not enough/);
  });
});

describe('signed-rank distribution', () => {
  it('is a distribution: P(V ≤ max) = 1 and the tails are complementary', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: -2, max: 900 }), (n, q) => {
        const lower = signedRankCdf(q, n);
        const upper = signedRankCdf(q, n, false);
        expect(lower).toBeGreaterThanOrEqual(0);
        expect(lower).toBeLessThanOrEqual(1);
        expect(Math.abs(lower + upper - 1)).toBeLessThan(1e-12);
        expect(signedRankCdf((n * (n + 1)) / 2, n)).toBe(1);
      }),
    );
  });

  it('averageRanks gives R ranks with ties averaged', () => {
    expect(averageRanks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
  });

  it('the statistic is invariant to swapping x and y up to reflection', () => {
    const sample = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const length = Math.min(a.length, b.length);
        const x = a.slice(0, length);
        const y = b.slice(0, length);
        if (x.every((value, index) => value === y[index])) return;
        const forward = wilcoxonSignedRank(x, y);
        const backward = wilcoxonSignedRank(y, x);
        expect(forward.statistic + backward.statistic).toBe((forward.n * (forward.n + 1)) / 2);
        expect(Math.abs(forward.pValue - backward.pValue)).toBeLessThan(1e-12);
      }),
    );
  });
});

describe('quantiles and median against R', () => {
  it(`match quantile(type = 7), median and IQR on ${descriptiveFixture.samples.length} samples to 1e-14 relative`, () => {
    const comparison = new Comparison(1e-14);
    for (const sample of descriptiveFixture.samples) {
      comparison.checkAll(`${sample.name} quantile`, quantileType7(sample.x, sample.probs), sample.quantile);
      comparison.check(`${sample.name} median`, median(sample.x), sample.median);
      const summary = medianIqr(sample.x);
      comparison.check(`${sample.name} q1`, summary.q1, sample.q1);
      comparison.check(`${sample.name} q3`, summary.q3, sample.q3);
      comparison.check(`${sample.name} iqr`, summary.iqr, sample.iqr);
      comparison.check(`${sample.name} summary median`, summary.median, sample.median);
    }
    expect(comparison.failures).toEqual([]);
  });

  it('quantiles are monotone in p and lie within the sample range', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (values, probs) => {
          const sortedProbs = [...probs].sort((a, b) => a - b);
          const quantiles = quantileType7(values, sortedProbs);
          const low = Math.min(...values);
          const high = Math.max(...values);
          quantiles.forEach((quantile, index) => {
            expect(quantile).toBeGreaterThanOrEqual(low);
            expect(quantile).toBeLessThanOrEqual(high);
            if (index > 0) expect(quantile).toBeGreaterThanOrEqual((quantiles[index - 1] ?? 0) - 1e-9);
          });
        },
      ),
    );
  });

  it('rejects probabilities outside [0, 1] and empty samples', () => {
    expect(() => quantileType7([1, 2], [1.5])).toThrow(/\[0, 1\]/);
    expect(() => median([])).toThrow(/at least one/);
  });
});
