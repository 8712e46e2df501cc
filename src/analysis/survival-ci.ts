import { normalQuantile } from './normal.ts';

export type ConfType = 'log' | 'log-log' | 'plain';

export interface PointwiseInterval {
  lower: number | null;
  upper: number | null;
}

/** Normal critical value z = Φ⁻¹(1 − (1 − level) / 2), as survfit computes it. */
export function criticalValue(confLevel: number): number {
  if (!(confLevel > 0 && confLevel < 1)) {
    throw new RangeError(`confLevel must be strictly between 0 and 1, got ${confLevel}`);
  }
  return normalQuantile(1 - (1 - confLevel) / 2);
}

function finiteOrNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/**
 * Pointwise confidence interval for a probability p with standard error `logStdErr` of log p:
 * - plain:   p ∓ z·se·p, clipped to [0, 1];
 * - log:     exp(log p ∓ z·se), upper clipped to 1 (undefined when p = 0);
 * - log-log: exp(−exp(log(−log p) ∓ z·se / log p)) (undefined when p is 0 or 1).
 * Port of R survival's `survfit_confint` (survival 3.5); null where R gives NA or NaN.
 */
export function probabilityInterval(
  p: number,
  logStdErr: number,
  confType: ConfType,
  z: number,
): PointwiseInterval {
  if (confType === 'plain') {
    const halfWidth = logStdErr * p * z;
    return {
      lower: finiteOrNull(Math.max(p - halfWidth, 0)),
      upper: finiteOrNull(Math.min(p + halfWidth, 1)),
    };
  }
  if (confType === 'log') {
    if (p === 0 || Number.isNaN(p)) return { lower: null, upper: null };
    const halfWidth = z * logStdErr;
    return {
      lower: finiteOrNull(Math.exp(Math.log(p) - halfWidth)),
      upper: finiteOrNull(Math.min(Math.exp(Math.log(p) + halfWidth), 1)),
    };
  }
  if (p === 0 || p === 1 || Number.isNaN(p)) return { lower: null, upper: null };
  const halfWidth = (z * logStdErr) / Math.log(p);
  const center = Math.log(-Math.log(p));
  return {
    lower: finiteOrNull(Math.exp(-Math.exp(center - halfWidth))),
    upper: finiteOrNull(Math.exp(-Math.exp(center + halfWidth))),
  };
}

/**
 * Standard error of log p from the standard error of p (delta method: se(p) / p, 0 stays 0),
 * the conversion survfit_confint applies when its input is on the probability scale.
 */
export function logScaleStdErr(p: number, stdErr: number): number {
  return stdErr === 0 ? 0 : stdErr / p;
}
