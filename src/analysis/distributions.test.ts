import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import { betaCdf, betaQuantile, logGamma } from './beta.ts';
import { binomialCdf, binomialProbability } from './binomial.ts';
import { normalCdf, normalQuantile } from './normal.ts';

interface Distributions {
  normal: { x: number[]; lower: number[]; upper: number[]; p: number[]; quantile: number[] };
  beta: { x: number[]; a: number[]; b: number[]; lower: number[]; upper: number[] };
  betaQuantile: { p: number[]; a: number[]; b: number[]; quantile: number[] };
  binomial: {
    x: number[];
    n: number[];
    p: number[];
    probability: number[];
    lower: number[];
    upper: number[];
  };
}

const fixture = readFixture<Distributions>('distributions.json');
const value = (values: readonly number[], index: number): number => values[index] ?? Number.NaN;

describe('special functions against R', () => {
  it('normalCdf matches pnorm (both tails) to 1e-14 relative', () => {
    const comparison = new Comparison(1e-14);
    const { x, lower, upper } = fixture.normal;
    comparison.checkAll(
      'pnorm',
      x.map((v) => normalCdf(v)),
      lower,
    );
    comparison.checkAll(
      'pnorm upper',
      x.map((v) => normalCdf(v, false)),
      upper,
    );
    expect(comparison.failures).toEqual([]);
  });

  it('normalQuantile matches qnorm to 1e-14 relative', () => {
    const comparison = new Comparison(1e-14);
    comparison.checkAll('qnorm', fixture.normal.p.map(normalQuantile), fixture.normal.quantile);
    expect(comparison.failures).toEqual([]);
  });

  it('betaCdf matches pbeta (both tails) to 1e-12 relative', () => {
    const comparison = new Comparison(1e-12);
    const { x, a, b, lower, upper } = fixture.beta;
    x.forEach((xi, i) => {
      const label = `pbeta(${xi}, ${value(a, i)}, ${value(b, i)})`;
      comparison.check(label, betaCdf(xi, value(a, i), value(b, i)), value(lower, i));
      comparison.check(`${label} upper`, betaCdf(xi, value(a, i), value(b, i), false), value(upper, i));
    });
    expect(comparison.failures).toEqual([]);
  });

  it('betaQuantile matches qbeta to 1e-12 relative', () => {
    const comparison = new Comparison(1e-12);
    const { p, a, b, quantile } = fixture.betaQuantile;
    p.forEach((pi, i) => {
      const label = `qbeta(${pi}, ${value(a, i)}, ${value(b, i)})`;
      comparison.check(label, betaQuantile(pi, value(a, i), value(b, i)), value(quantile, i));
    });
    expect(comparison.failures).toEqual([]);
  });

  it('binomialProbability and binomialCdf match dbinom and pbinom to 1e-12 relative', () => {
    const comparison = new Comparison(1e-12);
    const { x, n, p, probability, lower, upper } = fixture.binomial;
    x.forEach((xi, i) => {
      const label = `(${xi}, ${value(n, i)}, ${value(p, i)})`;
      comparison.check(
        `dbinom${label}`,
        binomialProbability(xi, value(n, i), value(p, i)),
        value(probability, i),
      );
      comparison.check(`pbinom${label}`, binomialCdf(xi, value(n, i), value(p, i)), value(lower, i));
      comparison.check(
        `pbinom upper${label}`,
        binomialCdf(xi, value(n, i), value(p, i), false),
        value(upper, i),
      );
    });
    expect(comparison.failures).toEqual([]);
  });
});

describe('special function properties', () => {
  it('logGamma satisfies Γ(x + 1) = x Γ(x)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 300, noNaN: true }), (x) => {
        const difference = logGamma(x + 1) - logGamma(x) - Math.log(x);
        expect(Math.abs(difference)).toBeLessThan(1e-12 * Math.max(1, Math.abs(logGamma(x + 1))));
      }),
    );
  });

  it('betaQuantile inverts betaCdf (to the resolution of doubles near the quantile)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 0.2, max: 200, noNaN: true }),
        fc.double({ min: 0.2, max: 200, noNaN: true }),
        (p, a, b) => {
          const q = betaQuantile(p, a, b);
          expect(q).toBeGreaterThanOrEqual(0);
          expect(q).toBeLessThanOrEqual(1);
          // Near 1 with b < 1 the distribution function is so steep that one ulp of q moves it by
          // more than 1e-10: check that p lies between F at the neighbouring representable values.
          const below = betaCdf(q - 4e-16 * Math.max(q, 1e-300), a, b);
          const above = betaCdf(Math.min(1, q + 4e-16 * Math.max(q, 1e-300)), a, b);
          expect(p).toBeGreaterThanOrEqual(below - 1e-12);
          expect(p).toBeLessThanOrEqual(above + 1e-12);
        },
      ),
    );
  });

  it('normalQuantile inverts normalCdf', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
        expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-13 * Math.max(p, 1e-3));
      }),
    );
  });
});
