import type { Alternative } from './binomial.ts';
import { normalCdf } from './normal.ts';

export interface WilcoxonOptions {
  alternative?: Alternative;
  /** Location under H0 for the differences (one-sample: for x). 0 by default. */
  mu?: number;
  /** Exact distribution; by default when fewer than 50 non-zero differences (as R). Ignored with ties or zeros. */
  exact?: boolean;
  /** Continuity correction for the normal approximation; true by default (as R). */
  correct?: boolean;
}

export interface WilcoxonResult {
  /** V: the sum of the ranks of |d| over positive differences d (R's `statistic`). */
  statistic: number;
  pValue: number;
  alternative: Alternative;
  method: 'exact' | 'normal' | 'normal-corrected';
  /** Number of non-zero differences used. */
  n: number;
  zeros: number;
  ties: boolean;
}

/** Average ranks (1-based) of the values, ties sharing the mean of their positions, as R's `rank`. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length).fill(0);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.value === order[start]?.value) end++;
    const rank = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) ranks[order[k]?.index ?? 0] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Number of subsets of {1, …, n} with each possible rank sum 0 … n(n+1)/2 (R's `csignrank`). */
function signedRankCounts(n: number): number[] {
  const maxSum = (n * (n + 1)) / 2;
  const counts = new Array<number>(maxSum + 1).fill(0);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let sum = (k * (k + 1)) / 2; sum >= k; sum--)
      counts[sum] = (counts[sum] ?? 0) + (counts[sum - k] ?? 0);
  }
  return counts;
}

/**
 * Distribution function of the signed-rank statistic V under H0, P(V ≤ q) or P(V > q), summing the
 * exact counts / 2ⁿ over the shorter tail, as R's `psignrank`.
 */
export function signedRankCdf(q: number, n: number, lowerTail = true): number {
  let x = Math.round(q + 1e-7);
  const maxSum = (n * (n + 1)) / 2;
  if (x < 0) return lowerTail ? 0 : 1;
  if (x >= maxSum) return lowerTail ? 1 : 0;
  const counts = signedRankCounts(n);
  const scale = Math.exp(-n * Math.LN2);
  let p = 0;
  let lower = lowerTail;
  if (x <= (n * (n + 1)) / 4) {
    for (let i = 0; i <= x; i++) p += (counts[i] ?? 0) * scale;
  } else {
    x = maxSum - x;
    for (let i = 0; i < x; i++) p += (counts[i] ?? 0) * scale;
    lower = !lower;
  }
  return lower ? p : 0.5 - p + 0.5;
}

function pairedDifferences(x: readonly number[], y: readonly number[] | undefined, mu: number): number[] {
  if (y !== undefined && y.length !== x.length) {
    throw new RangeError(`paired samples need the same length, got ${x.length} and ${y.length}`);
  }
  const differences: number[] = [];
  x.forEach((value, index) => {
    const other = y === undefined ? 0 : (y[index] ?? Number.NaN);
    if (!Number.isNaN(value) && !Number.isNaN(other))
      differences.push(y === undefined ? value : value - other);
  });
  if (differences.length === 0) throw new RangeError('not enough (non-missing) observations');
  return differences.map((difference) => difference - mu);
}

/**
 * Wilcoxon signed-rank test of H0: the differences x − y (or x alone) are symmetric about mu.
 * Zero differences are dropped; V = Σ rank(|d|) over d > 0. Exact p-value from the permutation
 * distribution when n < 50 with no ties or zeros; otherwise the normal approximation with
 * E V = n(n+1)/4, Var V = n(n+1)(2n+1)/24 − Σ(t³ − t)/48 over tie groups, and continuity correction.
 * Wilcoxon (1945); Hollander & Wolfe; matches R's `wilcox.test(x, y, paired = TRUE)` (statistic V, p-value).
 */
export function wilcoxonSignedRank(
  x: readonly number[],
  y?: readonly number[],
  options: WilcoxonOptions = {},
): WilcoxonResult {
  const alternative = options.alternative ?? 'two.sided';
  const correct = options.correct ?? true;
  const all = pairedDifferences(x, y, options.mu ?? 0);
  const differences = all.filter((difference) => difference !== 0);
  const zeros = all.length - differences.length;
  const n = differences.length;
  const ranks = averageRanks(differences.map(Math.abs));
  const statistic = ranks.reduce((sum, rank, index) => sum + ((differences[index] ?? 0) > 0 ? rank : 0), 0);
  const ties = new Set(ranks).size !== ranks.length;
  const exact = options.exact ?? n < 50;
  const base = { statistic, alternative, n, zeros, ties };
  if (exact && !ties && zeros === 0) {
    return { ...base, method: 'exact', pValue: exactPValue(statistic, n, alternative) };
  }
  const pValue = normalPValue(statistic, n, ranks, alternative, correct);
  return { ...base, method: correct ? 'normal-corrected' : 'normal', pValue };
}

function exactPValue(statistic: number, n: number, alternative: Alternative): number {
  if (alternative === 'greater') return signedRankCdf(statistic - 1, n, false);
  if (alternative === 'less') return signedRankCdf(statistic, n);
  const p =
    statistic > (n * (n + 1)) / 4 ? signedRankCdf(statistic - 1, n, false) : signedRankCdf(statistic, n);
  return Math.min(2 * p, 1);
}

function normalPValue(
  statistic: number,
  n: number,
  ranks: readonly number[],
  alternative: Alternative,
  correct: boolean,
): number {
  const tieSizes = new Map<number, number>();
  for (const rank of ranks) tieSizes.set(rank, (tieSizes.get(rank) ?? 0) + 1);
  let tieTerm = 0;
  for (const size of tieSizes.values()) tieTerm += size ** 3 - size;
  const centered = statistic - (n * (n + 1)) / 4;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  let correction = 0;
  if (correct)
    correction =
      alternative === 'two.sided' ? Math.sign(centered) * 0.5 : alternative === 'greater' ? 0.5 : -0.5;
  const z = (centered - correction) / sigma;
  if (alternative === 'less') return normalCdf(z);
  if (alternative === 'greater') return normalCdf(z, false);
  return 2 * Math.min(normalCdf(z), normalCdf(z, false));
}
