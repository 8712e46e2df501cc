// The difference of two independent proportions (adverse-event rates of two arms) with Newcombe's
// hybrid score interval.
import type { ConfidenceInterval } from './binomial.ts';
import { normalQuantile } from './normal.ts';

function checkCounts(x: number, n: number, which: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${which}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(x) || x < 0 || x > n) {
    throw new RangeError(`${which}: x must be an integer between 0 and n = ${n}, got ${x}`);
  }
}

function checkLevel(confLevel: number): void {
  if (!(confLevel > 0 && confLevel < 1)) {
    throw new RangeError(`confLevel must be strictly between 0 and 1, got ${confLevel}`);
  }
}

/**
 * Wilson score interval for x / n without continuity correction:
 * (2np + z² ∓ z·√(z² + 4np(1 − p))) / (2(n + z²)), z = Φ⁻¹(1 − α/2). Wilson (1927); R's
 * `prop.test(x, n, correct = FALSE)$conf.int`.
 */
export function wilsonInterval(x: number, n: number, confLevel = 0.95): ConfidenceInterval {
  checkCounts(x, n, 'wilsonInterval');
  checkLevel(confLevel);
  const z = normalQuantile(1 - (1 - confLevel) / 2);
  const p = x / n;
  const centre = 2 * n * p + z * z;
  const spread = z * Math.sqrt(z * z + 4 * n * p * (1 - p));
  const denominator = 2 * (n + z * z);
  // At x = 0 or x = n the formula gives exactly 0 or 1 but for rounding; pin them as R does.
  return {
    lower: x === 0 ? 0 : (centre - spread) / denominator,
    upper: x === n ? 1 : (centre + spread) / denominator,
    confLevel,
  };
}

export interface RiskDifference {
  /** p1 − p2. */
  difference: number;
  lower: number;
  upper: number;
  confLevel: number;
}

/**
 * Difference p1 − p2 of two independent proportions with Newcombe's hybrid score interval (method 10
 * of Newcombe 1998, Statistics in Medicine 17:873–890), built from the Wilson intervals (l1, u1) and
 * (l2, u2) of each proportion: lower = D − √((p1 − l1)² + (u2 − p2)²), upper = D + √((u1 − p1)² +
 * (p2 − l2)²). Matches the paper's Table II, and R's `prop.test(…, correct = FALSE)` limits combined
 * by the same formula (test/r/risk-difference.R).
 */
export function newcombeDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  confLevel = 0.95,
): RiskDifference {
  checkCounts(x1, n1, 'first proportion');
  checkCounts(x2, n2, 'second proportion');
  const first = wilsonInterval(x1, n1, confLevel);
  const second = wilsonInterval(x2, n2, confLevel);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const difference = p1 - p2;
  return {
    difference,
    lower: difference - Math.sqrt((p1 - first.lower) ** 2 + (second.upper - p2) ** 2),
    upper: difference + Math.sqrt((first.upper - p1) ** 2 + (p2 - second.lower) ** 2),
    confLevel,
  };
}
