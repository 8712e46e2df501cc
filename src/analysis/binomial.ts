import { betaCdf, betaQuantile } from './beta.ts';
import { binomialProbability } from './loader.ts';

export { binomialProbability } from './loader.ts';

export type Alternative = 'two.sided' | 'less' | 'greater';

/**
 * Binomial distribution function P(X ≤ x) (lower tail) or P(X > x) (upper tail), through the
 * identity P(X ≤ x) = 1 − I_p(x + 1, n − x), as R's `pbinom`.
 */
export function binomialCdf(x: number, n: number, p: number, lowerTail = true): number {
  const k = Math.floor(x + 1e-7);
  if (k < 0) return lowerTail ? 0 : 1;
  if (k >= n) return lowerTail ? 1 : 0;
  return betaCdf(p, k + 1, n - k, !lowerTail);
}

export interface ConfidenceInterval {
  lower: number;
  upper: number;
  confLevel: number;
}

function checkCounts(x: number, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(x) || x < 0 || x > n) {
    throw new RangeError(`x must be an integer between 0 and n = ${n}, got ${x}`);
  }
}

function checkLevel(confLevel: number): void {
  if (!(confLevel > 0 && confLevel < 1)) {
    throw new RangeError(`confLevel must be strictly between 0 and 1, got ${confLevel}`);
  }
}

/**
 * Clopper–Pearson exact interval for a binomial proportion x / n:
 * lower = B⁻¹(α; x, n − x + 1) (0 when x = 0), upper = B⁻¹(1 − α; x + 1, n − x) (1 when x = n),
 * α = (1 − level) / 2 two-sided, 1 − level one-sided ('less' gives [0, upper], 'greater' [lower, 1]).
 * Clopper & Pearson (1934); matches R's `binom.test(x, n)$conf.int`.
 */
export function clopperPearson(
  x: number,
  n: number,
  options: { confLevel?: number; alternative?: Alternative } = {},
): ConfidenceInterval {
  const confLevel = options.confLevel ?? 0.95;
  const alternative = options.alternative ?? 'two.sided';
  checkCounts(x, n);
  checkLevel(confLevel);
  const lowerLimit = (alpha: number): number => (x === 0 ? 0 : betaQuantile(alpha, x, n - x + 1));
  const upperLimit = (alpha: number): number => (x === n ? 1 : betaQuantile(1 - alpha, x + 1, n - x));
  if (alternative === 'less') return { lower: 0, upper: upperLimit(1 - confLevel), confLevel };
  if (alternative === 'greater') return { lower: lowerLimit(1 - confLevel), upper: 1, confLevel };
  const alpha = (1 - confLevel) / 2;
  return { lower: lowerLimit(alpha), upper: upperLimit(alpha), confLevel };
}

export interface BinomialTestResult {
  successes: number;
  trials: number;
  nullProportion: number;
  estimate: number;
  pValue: number;
  alternative: Alternative;
  confInt: ConfidenceInterval;
}

/** Two-sided exact p-value: the probability of all outcomes no more likely than the observed one. */
function twoSidedPValue(x: number, n: number, p: number): number {
  if (p === 0) return x === 0 ? 1 : 0;
  if (p === 1) return x === n ? 1 : 0;
  const relativeError = 1 + 1e-7;
  const observed = binomialProbability(x, n, p);
  const mean = n * p;
  if (x === mean) return 1;
  let count = 0;
  if (x < mean) {
    for (let i = Math.ceil(mean); i <= n; i++) {
      if (binomialProbability(i, n, p) <= observed * relativeError) count++;
    }
    return Math.min(1, binomialCdf(x, n, p) + binomialCdf(n - count, n, p, false));
  }
  for (let i = 0; i <= Math.floor(mean); i++) {
    if (binomialProbability(i, n, p) <= observed * relativeError) count++;
  }
  return Math.min(1, binomialCdf(count - 1, n, p) + binomialCdf(x - 1, n, p, false));
}

/**
 * Exact binomial test of H0: proportion = p. 'less': P(X ≤ x); 'greater': P(X ≥ x); two-sided:
 * the sum of P(X = i) over all i with P(X = i) ≤ P(X = x)·(1 + 1e-7), the rule and tolerance of
 * R's `binom.test`, whose p-value, estimate and Clopper–Pearson interval this reproduces.
 */
export function binomialTest(
  x: number,
  n: number,
  options: { p?: number; alternative?: Alternative; confLevel?: number } = {},
): BinomialTestResult {
  const p = options.p ?? 0.5;
  const alternative = options.alternative ?? 'two.sided';
  const confLevel = options.confLevel ?? 0.95;
  checkCounts(x, n);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  let pValue: number;
  if (alternative === 'less') pValue = binomialCdf(x, n, p);
  else if (alternative === 'greater') pValue = binomialCdf(x - 1, n, p, false);
  else pValue = twoSidedPValue(x, n, p);
  return {
    successes: x,
    trials: n,
    nullProportion: p,
    estimate: x / n,
    pValue,
    alternative,
    confInt: clopperPearson(x, n, { confLevel, alternative }),
  };
}
