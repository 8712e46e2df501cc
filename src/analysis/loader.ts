// Loader's (2000) saddle-point algorithm for binomial probabilities ("Fast and accurate computation
// of binomial probabilities"), the algorithm behind R's dbinom and dbeta, hand-written (README.md).
import { logGamma } from './gamma.ts';

const LOG_2PI = 1.8378770664093456;
const LOG_SQRT_2PI = 0.9189385332046728;

/** Stirling's error term log(n!) − [(n + ½) log n − n + log √(2π)], as R's `stirlerr`. */
function stirlingError(n: number): number {
  if (n <= 15) return logGamma(n + 1) - (n + 0.5) * Math.log(n) + n - LOG_SQRT_2PI;
  const nn = n * n;
  const s0 = 1 / 12;
  const s1 = 1 / 360;
  const s2 = 1 / 1260;
  const s3 = 1 / 1680;
  const s4 = 1 / 1188;
  if (n > 500) return (s0 - s1 / nn) / n;
  if (n > 80) return (s0 - (s1 - s2 / nn) / nn) / n;
  if (n > 35) return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
  return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/** Deviance term x log(x / np) + np − x, computed stably when x ≈ np (Loader's `bd0`). */
function devianceTerm(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    let sum = (x - np) * v;
    if (Math.abs(sum) < Number.MIN_VALUE) return sum;
    let term = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      term *= v;
      const next = sum + term / (2 * j + 1);
      if (next === sum) return next;
      sum = next;
    }
  }
  return x * Math.log(x / np) + np - x;
}

/**
 * Binomial probability P(X = x) for X ~ Bin(n, p), by Loader's (2000) saddle-point expansion
 * ("Fast and accurate computation of binomial probabilities"), the algorithm of R's `dbinom`,
 * accurate to a few ulps even in the far tails.
 */
export function binomialProbability(x: number, n: number, p: number): number {
  if (!Number.isInteger(x) || x < 0 || x > n) return 0;
  return binomialProbabilityRaw(x, n, p, 1 - p);
}

/**
 * Loader's binomial term C(n, x) pᵡ qⁿ⁻ˣ for real 0 ≤ x ≤ n (R's `dbinom_raw`); with q given
 * separately so that callers holding 1 − p exactly lose nothing.
 */
export function binomialProbabilityRaw(x: number, n: number, p: number, q: number): number {
  if (p === 0) return x === 0 ? 1 : 0;
  if (q === 0) return x === n ? 1 : 0;
  if (x === 0) {
    if (n === 0) return 1;
    return Math.exp(p < 0.1 ? -devianceTerm(n, n * q) - n * p : n * Math.log(q));
  }
  if (x === n) return Math.exp(q < 0.1 ? -devianceTerm(n, n * p) - n * q : n * Math.log(p));
  const lc =
    stirlingError(n) -
    stirlingError(x) -
    stirlingError(n - x) -
    devianceTerm(x, n * p) -
    devianceTerm(n - x, n * q);
  const lf = LOG_2PI + Math.log(x) + Math.log1p(-x / n);
  return Math.exp(lc - 0.5 * lf);
}
