// The Cox proportional-hazards model of one grouping (arms) against a reference group, optionally
// stratified, with Efron's handling of tied event times.
import { chiSquareUpperTail } from './chi-square.ts';
import { codePointOrder, type SurvivalRecords, strataIndexes } from './logrank.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import { cholesky, choleskyInverse, type Matrix, quadraticFormInverse } from './small-matrix.ts';

export interface CoxOptions {
  /** The reference group; the first in code-point order when absent (R's first factor level). */
  reference?: string;
  confLevel?: number;
}

export interface CoxTest {
  statistic: number;
  df: number;
  pValue: number;
}

export interface CoxFit {
  reference: string;
  /** The groups compared with the reference, one coefficient each, in code-point order. */
  levels: string[];
  coef: number[];
  se: number[];
  hazardRatio: number[];
  lower: number[];
  upper: number[];
  z: number[];
  pValue: number[];
  /** Log partial likelihood at β = 0 and at the estimate. */
  loglik: [number, number];
  likelihoodRatio: CoxTest;
  wald: CoxTest;
  score: CoxTest;
  n: number;
  events: number;
  iterations: number;
  converged: boolean;
}

export class CoxModelError extends Error {
  override name = 'CoxModelError';
}

interface PartialLikelihood {
  loglik: number;
  score: number[];
  information: Matrix;
}

const MAX_ITERATIONS = 50;
const TOLERANCE = 1e-12;

/**
 * Efron's log partial likelihood of β, its gradient and its information matrix, summed over strata.
 * At each distinct event time with d events, for r = 0 … d−1 the risk-set sums lose r/d of the
 * events' share: ℓ −= log(S0 − r/d·D0), U −= (S1 − r/d·D1)/(…), I += S2/S0 − S1S1ᵀ/S0² (with the
 * same shares). The risk set at t holds everyone whose time is ≥ t (censored at t included).
 */
function partialLikelihood(
  covariate: readonly number[],
  records: SurvivalRecords,
  strata: readonly number[][],
  beta: readonly number[],
): PartialLikelihood {
  const p = beta.length;
  const score = new Array<number>(p).fill(0);
  const information: Matrix = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  let loglik = 0;
  // The covariate vector of a record is the indicator of its group (−1: the reference group).
  const eta = (i: number) => {
    const g = covariate[i] as number;
    return g < 0 ? 0 : (beta[g] as number);
  };
  for (const indexes of strata) {
    const order = [...indexes].sort((a, b) => (records.time[b] as number) - (records.time[a] as number));
    let s0 = 0;
    const s1 = new Array<number>(p).fill(0);
    let start = 0;
    while (start < order.length) {
      const time = records.time[order[start] as number] as number;
      let end = start;
      let d0 = 0;
      const d1 = new Array<number>(p).fill(0);
      let deaths = 0;
      while (end < order.length && records.time[order[end] as number] === time) {
        const i = order[end] as number;
        const risk = Math.exp(eta(i));
        const g = covariate[i] as number;
        s0 += risk;
        if (g >= 0) s1[g] = (s1[g] as number) + risk;
        if (records.event[i] === 1) {
          deaths++;
          d0 += risk;
          if (g >= 0) {
            d1[g] = (d1[g] as number) + risk;
            score[g] = (score[g] as number) + 1;
          }
          loglik += eta(i);
        }
        end++;
      }
      for (let r = 0; r < deaths; r++) {
        const share = r / deaths;
        const denominator = s0 - share * d0;
        loglik -= Math.log(denominator);
        // Indicators: S2 is diagonal and equal to S1.
        const mean = s1.map((value, g) => (value - share * (d1[g] as number)) / denominator);
        for (let a = 0; a < p; a++) {
          score[a] = (score[a] as number) - (mean[a] as number);
          const row = information[a] as number[];
          row[a] = (row[a] as number) + (mean[a] as number);
          for (let b = 0; b < p; b++) row[b] = (row[b] as number) - (mean[a] as number) * (mean[b] as number);
        }
      }
      start = end;
    }
  }
  return { loglik, score, information };
}

function test(statistic: number, df: number): CoxTest {
  return { statistic, df, pValue: chiSquareUpperTail(statistic, df) };
}

/**
 * Fits h(t | group) = h₀ₛ(t) exp(β_group) by Newton–Raphson from β = 0 with step halving, to a
 * relative change of the log partial likelihood below 1e-12, as R's coxph (ties = "efron", which
 * stops at 1e-9); the variance is the inverse information at the estimate. Tests: likelihood ratio
 * 2(ℓ(β̂) − ℓ(0)), Wald β̂ᵀ I(β̂) β̂, score U(0)ᵀ I(0)⁻¹ U(0) (the log-rank test without strata when
 * there are no ties). Limits exp(β̂ ± z·se). R: `coxph(Surv(t, e) ~ g [+ strata(s)], ties =
 * "efron")` and `summary()` (`coefficients`, `conf.int`, `logtest`, `waldtest`, `sctest`).
 */
export function coxProportionalHazards(records: SurvivalRecords, options: CoxOptions = {}): CoxFit {
  const levels = [...new Set(records.group)].sort(codePointOrder);
  const reference = options.reference ?? (levels[0] as string);
  if (!levels.includes(reference)) {
    throw new CoxModelError(
      `The reference group "${reference}" is not among the groups: ${levels.join(', ')}.`,
    );
  }
  const compared = levels.filter((level) => level !== reference);
  if (compared.length === 0) throw new CoxModelError('A Cox model needs at least two groups.');
  const position = new Map(compared.map((level, index) => [level, index]));
  const covariate = records.group.map((label) => position.get(label) ?? -1);
  const strata = strataIndexes(records);
  const p = compared.length;
  let beta = new Array<number>(p).fill(0);
  const atZero = partialLikelihood(covariate, records, strata, beta);
  const zeroFactor = cholesky(atZero.information);
  if (!zeroFactor)
    throw new CoxModelError('The groups have no events to compare (the information matrix is singular).');
  let current = atZero;
  let iterations = 0;
  let converged = false;
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    const factor = cholesky(current.information);
    if (!factor) break;
    const step = choleskyInverse(factor).map((row) =>
      row.reduce((sum, value, j) => sum + value * (current.score[j] as number), 0),
    );
    let next = beta.map((value, i) => value + (step[i] as number));
    let fit = partialLikelihood(covariate, records, strata, next);
    for (
      let halving = 0;
      halving < 30 && !(fit.loglik >= current.loglik - 1e-15 * Math.abs(current.loglik));
      halving++
    ) {
      next = next.map((value, i) => (value + (beta[i] as number)) / 2);
      fit = partialLikelihood(covariate, records, strata, next);
    }
    const change = Math.abs(1 - current.loglik / fit.loglik);
    beta = next;
    current = fit;
    if (change <= TOLERANCE) {
      converged = true;
      break;
    }
  }
  const factor = cholesky(current.information);
  if (!factor)
    throw new CoxModelError(
      'The model does not converge: a group may have no events (an infinite hazard ratio).',
    );
  const variance = choleskyInverse(factor);
  const se = variance.map((row, i) => Math.sqrt(row[i] as number));
  const z = normalQuantile(1 - (1 - (options.confLevel ?? 0.95)) / 2);
  const zValues = beta.map((value, i) => value / (se[i] as number));
  const wald = beta.reduce(
    (sum, value, i) =>
      sum +
      value *
        (current.information[i] as number[]).reduce(
          (inner, entry, j) => inner + entry * (beta[j] as number),
          0,
        ),
    0,
  );
  return {
    reference,
    levels: compared,
    coef: beta,
    se,
    hazardRatio: beta.map(Math.exp),
    lower: beta.map((value, i) => Math.exp(value - z * (se[i] as number))),
    upper: beta.map((value, i) => Math.exp(value + z * (se[i] as number))),
    z: zValues,
    pValue: zValues.map((value) => 2 * normalCdf(-Math.abs(value))),
    loglik: [atZero.loglik, current.loglik],
    likelihoodRatio: test(2 * (current.loglik - atZero.loglik), p),
    wald: test(wald, p),
    score: test(quadraticFormInverse(zeroFactor, atZero.score), p),
    n: records.time.length,
    events: records.event.reduce<number>((sum, value) => sum + (value === 1 ? 1 : 0), 0),
    iterations,
    converged,
  };
}
