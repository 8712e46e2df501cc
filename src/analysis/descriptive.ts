/** The non-missing values in ascending order (a typed array sorts numerically without a comparator). */
function sortedFinite(values: readonly number[]): Float64Array {
  const finite = new Float64Array(values.length);
  let n = 0;
  for (const value of values) if (!Number.isNaN(value)) finite[n++] = value;
  if (n === 0) throw new RangeError('need at least one non-missing value');
  return finite.subarray(0, n).sort();
}

function checkProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probabilities must be in [0, 1], got ${p}`);
}

/**
 * Sample quantiles, Hyndman & Fan (1996) type 7 (R's default): with h = (n − 1)p and j = ⌊h⌋,
 * Q(p) = x₍ⱼ₊₁₎ + (h − j)(x₍ⱼ₊₂₎ − x₍ⱼ₊₁₎) on the sorted sample, computed as R does,
 * (1 − γ)x₍ⱼ₊₁₎ + γx₍ⱼ₊₂₎. Missing values (NaN) are dropped. Matches `quantile(x, probs, type = 7)`.
 */
export function quantileType7(values: readonly number[], probs: readonly number[]): number[] {
  return quantilesOfSorted(sortedFinite(values), probs);
}

function quantilesOfSorted(sorted: Float64Array, probs: readonly number[]): number[] {
  const n = sorted.length;
  return probs.map((p) => {
    checkProbability(p);
    const index = 1 + Math.max(n - 1, 0) * p;
    const lo = Math.floor(index);
    const hi = Math.ceil(index);
    const low = sorted[lo - 1] ?? Number.NaN;
    const high = sorted[hi - 1] ?? Number.NaN;
    if (!(index > lo && high !== low)) return low;
    const h = index - lo;
    return (1 - h) * low + h * high;
  });
}

/** Sample median: the middle value, or the mean of the two middle values (R's `median`). */
export function median(values: readonly number[]): number {
  return medianOfSorted(sortedFinite(values));
}

function medianOfSorted(sorted: Float64Array): number {
  const half = Math.floor((sorted.length + 1) / 2);
  if (sorted.length % 2 === 1) return sorted[half - 1] ?? Number.NaN;
  return ((sorted[half - 1] ?? Number.NaN) + (sorted[half] ?? Number.NaN)) / 2;
}

export interface MedianIqr {
  n: number;
  median: number;
  /** First and third quartiles, type 7. */
  q1: number;
  q3: number;
  /** q3 − q1, as R's `IQR`. */
  iqr: number;
  min: number;
  max: number;
}

/** Median with interquartile range (quartiles by type 7), the usual "median (IQR)" of a baseline table. */
export function medianIqr(values: readonly number[]): MedianIqr {
  const sorted = sortedFinite(values);
  const [q1 = Number.NaN, q3 = Number.NaN] = quantilesOfSorted(sorted, [0.25, 0.75]);
  return {
    n: sorted.length,
    median: medianOfSorted(sorted),
    q1,
    q3,
    iqr: q3 - q1,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}
