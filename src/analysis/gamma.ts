// log Γ, hand-written (see README.md).

const HALF_LOG_2PI = 0.9189385332046728;

/**
 * log Γ(x) for x > 0. Stirling's series with seven correction terms for x ≥ 15 (error below 1e-17
 * there), the recurrence Γ(x) = Γ(x + k) / (x(x+1)…(x+k−1)) below; exact factorials for small integers.
 * Abramowitz & Stegun 6.1.40.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  if (Number.isInteger(x) && x <= 23) {
    // (x − 1)! is exact in a double up to 22!, so only the final log rounds.
    let factorial = 1;
    for (let k = 2; k < x; k++) factorial *= k;
    return Math.log(factorial);
  }
  let shifted = x;
  let logProduct = 0;
  let product = 1;
  while (shifted < 15) {
    product *= shifted;
    shifted += 1;
    if (product > 1e280) {
      logProduct += Math.log(product);
      product = 1;
    }
  }
  logProduct += Math.log(product);
  const inverse = 1 / shifted;
  const inverseSquared = inverse * inverse;
  const series =
    inverse *
    (1 / 12 +
      inverseSquared *
        (-1 / 360 +
          inverseSquared *
            (1 / 1260 +
              inverseSquared *
                (-1 / 1680 +
                  inverseSquared * (1 / 1188 + inverseSquared * (-691 / 360360 + inverseSquared / 156))))));
  return (shifted - 0.5) * Math.log(shifted) - shifted + HALF_LOG_2PI + series - logProduct;
}
