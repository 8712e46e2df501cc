// The log-rank test comparing survival between groups (arms), optionally stratified.
import { chiSquareUpperTail } from './chi-square.ts';
import { cholesky, quadraticFormInverse } from './small-matrix.ts';

export interface SurvivalRecords {
  time: readonly number[];
  /** 1 = event, 0 = censored. */
  event: readonly number[];
  group: readonly string[];
  /** Stratum of each record; absent for an unstratified test. */
  strata?: readonly string[];
}

export interface LogRankResult {
  /** Group labels in code-point order (R's factor order for ASCII labels). */
  levels: string[];
  n: number[];
  observed: number[];
  expected: number[];
  /** Covariance matrix of observed − expected, summed over strata. */
  variance: number[][];
  chisq: number;
  df: number;
  pValue: number;
}

export const codePointOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Record indexes of each stratum (one stratum when there are none), strata in code-point order. */
export function strataIndexes(records: SurvivalRecords): number[][] {
  const byStratum = new Map<string, number[]>();
  for (let i = 0; i < records.time.length; i++) {
    const key = records.strata?.[i] ?? '';
    const list = byStratum.get(key) ?? [];
    list.push(i);
    byStratum.set(key, list);
  }
  return [...byStratum.keys()].sort(codePointOrder).map((key) => byStratum.get(key) as number[]);
}

/**
 * The log-rank test (Mantel–Haenszel weights, G-rho with rho = 0): per group the observed and
 * expected events summed over the distinct event times of each stratum, their covariance
 * V_ij = Σ d(n−d)/(n−1) · n_i/n · (δ_ij − n_j/n), and χ² = (O−E)ᵀ V⁻¹ (O−E) over the groups with
 * expected events, the first left out (df = their number − 1). R: `survdiff(Surv(t, e) ~ g
 * [+ strata(s)])`, its `obs`, `exp`, `var`, `chisq` (summed over strata), and
 * `pchisq(chisq, df, lower.tail = FALSE)`.
 */
export function logRank(records: SurvivalRecords): LogRankResult {
  const levels = [...new Set(records.group)].sort(codePointOrder);
  const k = levels.length;
  const levelOf = new Map(levels.map((level, index) => [level, index]));
  const groupIndex = records.group.map((label) => levelOf.get(label) as number);
  const n = new Array<number>(k).fill(0);
  for (const g of groupIndex) n[g] = (n[g] as number) + 1;
  const observed = new Array<number>(k).fill(0);
  const expected = new Array<number>(k).fill(0);
  const variance = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const indexes of strataIndexes(records)) {
    accumulateStratum(records, groupIndex, indexes, k, { observed, expected, variance });
  }
  const used = levels.map((_, index) => (expected[index] as number) > 0);
  const df = used.filter(Boolean).length - 1;
  let chisq = 0;
  if (df >= 1) {
    const kept = used.flatMap((keep, index) => (keep ? [index] : [])).slice(1);
    const difference = kept.map((i) => (observed[i] as number) - (expected[i] as number));
    const factor = cholesky(kept.map((i) => kept.map((j) => (variance[i] as number[])[j] as number)));
    chisq = factor ? quadraticFormInverse(factor, difference) : Number.NaN;
  }
  return {
    levels,
    n,
    observed,
    expected,
    variance,
    chisq,
    df,
    pValue: df >= 1 ? chiSquareUpperTail(chisq, df) : 1,
  };
}

function accumulateStratum(
  records: SurvivalRecords,
  groupIndex: readonly number[],
  indexes: readonly number[],
  k: number,
  totals: { observed: number[]; expected: number[]; variance: number[][] },
): void {
  const order = [...indexes].sort((a, b) => (records.time[a] as number) - (records.time[b] as number));
  const atRisk = new Array<number>(k).fill(0);
  for (const i of order) atRisk[groupIndex[i] as number] = (atRisk[groupIndex[i] as number] as number) + 1;
  let total = order.length;
  let start = 0;
  while (start < order.length) {
    const time = records.time[order[start] as number] as number;
    let end = start;
    const deaths = new Array<number>(k).fill(0);
    const leaving = new Array<number>(k).fill(0);
    while (end < order.length && records.time[order[end] as number] === time) {
      const i = order[end] as number;
      const g = groupIndex[i] as number;
      leaving[g] = (leaving[g] as number) + 1;
      if (records.event[i] === 1) deaths[g] = (deaths[g] as number) + 1;
      end++;
    }
    const d = deaths.reduce((sum, value) => sum + value, 0);
    if (d > 0) {
      for (let g = 0; g < k; g++) {
        totals.observed[g] = (totals.observed[g] as number) + (deaths[g] as number);
        totals.expected[g] = (totals.expected[g] as number) + (d * (atRisk[g] as number)) / total;
      }
      if (total > 1) {
        const weight = (d * (total - d)) / (total - 1);
        for (let i = 0; i < k; i++) {
          const share = (atRisk[i] as number) / total;
          const row = totals.variance[i] as number[];
          for (let j = 0; j < k; j++) {
            const other = (atRisk[j] as number) / total;
            row[j] = (row[j] as number) + weight * share * ((i === j ? 1 : 0) - other);
          }
        }
      }
    }
    for (let g = 0; g < k; g++) atRisk[g] = (atRisk[g] as number) - (leaving[g] as number);
    total -= end - start;
    start = end;
  }
}
