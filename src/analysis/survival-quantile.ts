// Median and quantiles of a survival curve, reproducing R survival's two (slightly different)
// rules: print.survfit's median (survmean's `minmin`) and quantile.survfit (`findq`).

/** R's sqrt(.Machine$double.eps), the tolerance both rules use. */
const TOLERANCE = Math.sqrt(Number.EPSILON);

/**
 * Median as print.survfit reports it (survival 3.5, `survmean`'s `minmin`): the first time at which
 * the curve is ≤ 0.5 (within √ε); if the curve sits exactly at 0.5 there and drops later, the
 * midpoint between that time and the time of the next drop; null when the curve never reaches 0.5.
 * Applied to the lower and upper confidence curves it gives the median's confidence limits.
 */
export function printMedian(times: readonly number[], curve: readonly (number | null)[]): number | null {
  const keptTimes: number[] = [];
  const keptValues: number[] = [];
  curve.forEach((value, index) => {
    const time = times[index];
    if (value !== null && !Number.isNaN(value) && value < 0.5 + TOLERANCE && time !== undefined) {
      keptTimes.push(time);
      keptValues.push(value);
    }
  });
  const firstTime = keptTimes[0];
  const firstValue = keptValues[0];
  if (firstTime === undefined || firstValue === undefined) return null;
  if (Math.abs(firstValue - 0.5) < TOLERANCE) {
    const drop = keptValues.findIndex((value) => value < firstValue);
    const dropTime = keptTimes[drop];
    if (drop >= 0 && dropTime !== undefined) return (firstTime + dropTime) / 2;
  }
  return firstTime;
}

/** R's approx(x, y, v, method = "constant", f = 1) with rule 1 (NA outside the range), x sorted. */
function approxConstantRight(xs: readonly number[], ys: readonly number[], v: number): number | null {
  const n = xs.length;
  const first = xs[0];
  const last = xs[n - 1];
  if (first === undefined || last === undefined || v < first || v > last) return null;
  let i = 0;
  let j = n - 1;
  while (i < j - 1) {
    const middle = Math.floor((i + j) / 2);
    if (v < (xs[middle] ?? Number.NaN)) j = middle;
    else i = middle;
  }
  if (v === xs[j]) return ys[j] ?? null;
  if (v === xs[i]) return ys[i] ?? null;
  return ys[j] ?? null;
}

/** Index lookup of `findq`: approx(y ± tol, 1:n, p) after dropping NA pairs and sorting by x. */
function lookupIndex(ys: readonly (number | null)[], shift: number, p: number): number | null {
  const pairs = ys
    .map((y, index) => ({ x: y === null ? null : y + shift, index }))
    .filter((pair): pair is { x: number; index: number } => pair.x !== null && !Number.isNaN(pair.x))
    .sort((a, b) => a.x - b.x);
  return approxConstantRight(
    pairs.map((pair) => pair.x),
    pairs.map((pair) => pair.index),
    p,
  );
}

/**
 * Quantile of a survival curve as R survival's quantile.survfit computes it (`findq`, survival 3.5):
 * on the cumulative curve y = 1 − S starting at (start, 0), the time where y first reaches p, with
 * the half-way rule when y equals p (within √ε) over a flat stretch (midpoint of the stretch, or of
 * the stretch and the last follow-up time when the curve stays flat to the end); null when not reached.
 */
export function curveQuantile(
  times: readonly number[],
  curve: readonly (number | null)[],
  p: number,
  startTime = 0,
): number | null {
  const xAll = [startTime, ...times];
  const yAll: (number | null)[] = [0, ...curve.map((value) => (value === null ? null : 1 - value))];
  const finite = yAll.filter((value): value is number => value !== null && !Number.isNaN(value));
  if (finite.length === 0 || Math.max(...finite) < p) return null;
  const xmax = xAll[xAll.length - 1] ?? startTime;
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  const seen = new Set<number | null>();
  yAll.forEach((value, index) => {
    const key = value === null || Number.isNaN(value) ? null : value;
    if (seen.has(key)) return;
    seen.add(key);
    xs.push(xAll[index] ?? Number.NaN);
    ys.push(key);
  });
  if (p === 0) return xs[0] ?? null;
  const index1 = lookupIndex(ys, TOLERANCE, p);
  const index2 = lookupIndex(ys, -TOLERANCE, p);
  const lastY = ys[ys.length - 1];
  if (lastY !== null && lastY !== undefined && Math.abs(p - lastY) < TOLERANCE) {
    return index1 === null ? null : ((xs[index1] ?? Number.NaN) + xmax) / 2;
  }
  if (index1 === null || index2 === null) return null;
  return ((xs[index1] ?? Number.NaN) + (xs[index2] ?? Number.NaN)) / 2;
}
