import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import { chiSquareUpperTail } from './chi-square.ts';
import { CoxModelError, coxProportionalHazards } from './cox.ts';
import { logRank } from './logrank.ts';

interface RTest {
  statistic: number;
  df: number;
  pValue: number;
}

interface RCase {
  name: string;
  time: number[];
  event: number[];
  group: string[];
  strata: string[] | null;
  reference: string;
  levels: string[];
  logrank: {
    observed: number[];
    expected: number[];
    variance: number[][];
    chisq: number;
    df: number;
    pValue: number;
  };
  cox: {
    levels: string[];
    coef: number[];
    se: number[];
    hazardRatio: number[];
    lower: number[];
    upper: number[];
    z: number[];
    pValue: number[];
    loglik: number[];
    n: number;
    events: number;
    likelihoodRatio: RTest;
    wald: RTest;
    score: RTest;
  };
}

const fixture = readFixture<{ cases: RCase[]; chisq: { x: number[]; df: number[]; upper: number[] } }>(
  'cox-logrank.json',
);
const recordsOf = (c: RCase) => ({
  time: c.time,
  event: c.event,
  group: c.group,
  ...(c.strata ? { strata: c.strata } : {}),
});

describe('chi-square upper tail against R pchisq', () => {
  it(`matches ${fixture.chisq.x.length} points to 1e-13 relative`, () => {
    const comparison = new Comparison(1e-13);
    fixture.chisq.x.forEach((x, i) => {
      const df = fixture.chisq.df[i] as number;
      comparison.check(`pchisq(${x}, ${df})`, chiSquareUpperTail(x, df), fixture.chisq.upper[i] ?? null);
    });
    expect(comparison.failures).toEqual([]);
  });
});

describe('logRank against R survdiff', () => {
  it(`matches observed, expected, variance, chi-square and p on ${fixture.cases.length} data sets to 1e-12 relative`, () => {
    const comparison = new Comparison(1e-12);
    for (const c of fixture.cases) {
      const result = logRank(recordsOf(c));
      expect(result.levels, c.name).toEqual(c.levels);
      expect(result.df, c.name).toBe(c.logrank.df);
      comparison.checkAll(`${c.name} observed`, result.observed, c.logrank.observed);
      comparison.checkAll(`${c.name} expected`, result.expected, c.logrank.expected);
      result.variance.forEach((row, i) => {
        comparison.checkAll(`${c.name} var[${i}]`, row, c.logrank.variance[i] ?? []);
      });
      comparison.check(`${c.name} chisq`, result.chisq, c.logrank.chisq);
      comparison.check(`${c.name} p`, result.pValue, c.logrank.pValue);
    }
    expect(comparison.failures).toEqual([]);
  });
});

describe('coxProportionalHazards against R coxph (Efron ties)', () => {
  it(`matches coefficients, errors, limits, likelihoods and the three tests on ${fixture.cases.length} data sets to 1e-6 relative`, () => {
    const comparison = new Comparison(1e-6);
    for (const c of fixture.cases) {
      const fit = coxProportionalHazards(recordsOf(c), { reference: c.reference });
      expect(fit.levels, c.name).toEqual(c.cox.levels);
      expect(fit.converged, c.name).toBe(true);
      expect([fit.n, fit.events], c.name).toEqual([c.cox.n, c.cox.events]);
      for (const key of ['coef', 'se', 'hazardRatio', 'lower', 'upper', 'z', 'pValue', 'loglik'] as const) {
        comparison.checkAll(`${c.name} ${key}`, fit[key], c.cox[key]);
      }
      for (const key of ['likelihoodRatio', 'wald', 'score'] as const) {
        comparison.check(`${c.name} ${key}`, fit[key].statistic, c.cox[key].statistic);
        comparison.check(`${c.name} ${key} p`, fit[key].pValue, c.cox[key].pValue);
        expect(fit[key].df, `${c.name} ${key} df`).toBe(c.cox[key].df);
      }
    }
    expect(comparison.failures).toEqual([]);
  });

  it('refuses a reference that is not a group, and a single group', () => {
    const records = { time: [1, 2, 3], event: [1, 0, 1], group: ['A', 'B', 'A'] };
    expect(() => coxProportionalHazards(records, { reference: 'C' })).toThrow(CoxModelError);
    expect(() => coxProportionalHazards({ ...records, group: ['A', 'A', 'A'] })).toThrow(
      'A Cox model needs at least two groups.',
    );
  });
});
