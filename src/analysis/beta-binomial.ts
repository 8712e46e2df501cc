import { betaCdf, betaQuantile } from './beta.ts';

export interface BetaPrior {
  a: number;
  b: number;
}

export interface BetaPosterior {
  a: number;
  b: number;
  mean: number;
  /** Equal-tailed credible interval [B⁻¹(α/2), B⁻¹(1 − α/2)] of the posterior. */
  lower: number;
  upper: number;
  credibleLevel: number;
}

function checkPrior(prior: BetaPrior): void {
  if (!(prior.a > 0 && prior.b > 0 && Number.isFinite(prior.a) && Number.isFinite(prior.b))) {
    throw new RangeError(`the Beta prior needs a > 0 and b > 0, got a = ${prior.a}, b = ${prior.b}`);
  }
}

function checkCounts(x: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(x) || x < 0 || x > n) {
    throw new RangeError(`need integers 0 ≤ x ≤ n, got x = ${x}, n = ${n}`);
  }
}

/**
 * Conjugate update of a Beta(a, b) prior by x events in n participants: Beta(a + x, b + n − x),
 * with posterior mean (a + x)/(a + b + n) and the equal-tailed credible interval from the beta
 * quantile (R: qbeta(c(α/2, 1 − α/2), a + x, b + n − x)). Gelman et al., BDA3 §2.4.
 */
export function betaBinomialPosterior(
  x: number,
  n: number,
  prior: BetaPrior = { a: 1, b: 1 },
  credibleLevel = 0.95,
): BetaPosterior {
  checkPrior(prior);
  checkCounts(x, n);
  if (!(credibleLevel > 0 && credibleLevel < 1)) {
    throw new RangeError(`credibleLevel must be strictly between 0 and 1, got ${credibleLevel}`);
  }
  const a = prior.a + x;
  const b = prior.b + n - x;
  const alpha = 1 - credibleLevel;
  return {
    a,
    b,
    mean: a / (a + b),
    lower: betaQuantile(alpha / 2, a, b),
    upper: betaQuantile(1 - alpha / 2, a, b),
    credibleLevel,
  };
}

/**
 * Posterior probability that the event rate exceeds `threshold`: 1 − I_threshold(a + x, b + n − x)
 * (R: pbeta(threshold, a + x, b + n − x, lower.tail = FALSE)), computed on the upper tail directly.
 */
export function posteriorProbabilityAbove(
  x: number,
  n: number,
  threshold: number,
  prior: BetaPrior = { a: 1, b: 1 },
): number {
  checkPrior(prior);
  checkCounts(x, n);
  if (!(threshold >= 0 && threshold <= 1))
    throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
  return betaCdf(threshold, prior.a + x, prior.b + n - x, false);
}

export interface StoppingRuleResult {
  probabilityAbove: number;
  /** True when P(rate > threshold | data) exceeds the probability bound. */
  triggered: boolean;
  posterior: BetaPosterior;
}

/**
 * Bayesian continuous-monitoring rule (e.g. MEXCOVID's safety rule: Beta(1, 1) prior, flag when
 * P(related serious event rate > 10% | data) > 0.8). Thall & Simon (1994) style monitoring.
 */
export function evaluateRateStoppingRule(
  x: number,
  n: number,
  rule: { threshold: number; probability: number; prior?: BetaPrior },
): StoppingRuleResult {
  const prior = rule.prior ?? { a: 1, b: 1 };
  const probabilityAbove = posteriorProbabilityAbove(x, n, rule.threshold, prior);
  return {
    probabilityAbove,
    triggered: probabilityAbove > rule.probability,
    posterior: betaBinomialPosterior(x, n, prior),
  };
}

/**
 * The smallest number of events among n that triggers the rule (null when even n events do not):
 * the boundary a protocol prints as "stop if ≥ k of n".
 */
export function stoppingBoundary(
  n: number,
  rule: { threshold: number; probability: number; prior?: BetaPrior },
): number | null {
  for (let x = 0; x <= n; x++) {
    if (evaluateRateStoppingRule(x, n, rule).triggered) return x;
  }
  return null;
}
