// Standard normal distribution: hand-written ports of the algorithms R uses, so that results agree
// with R to the last few bits (see README.md for why these are not taken from a library).
// Coefficients are the published ones written as their nearest double (same runtime value).

const SQRT_32 = 5.656854249492381;
const ONE_OVER_SQRT_2PI = 0.3989422804014327;

const A = [2.2352520354606837, 161.02823106855587, 1067.6894854603709, 18154.98125334356];
const A4 = 0.06568233791820745;
const B = [47.202581904688245, 976.0985517377767, 10260.932208618979, 45507.78933502673];
const C = [
  0.39894151208813466, 8.883149794388377, 93.50665613217785, 597.2702763948002, 2494.5375852903726,
  6848.190450536283, 11602.65143764735, 9842.714838383978,
];
const C8 = 1.0765576773720192e-8;
const D = [
  22.266688044328117, 235.387901782625, 1519.3775994075547, 6485.558298266761, 18615.571640885097,
  34900.95272114598, 38912.00328609327, 19685.429676859992,
];
const P = [
  0.215898534057957, 0.12740116116024736, 0.022235277870649807, 0.0014216191932278934, 2.9112874951168793e-5,
];
const P5 = 0.023073441764940174;
const Q = [
  1.284260096144911, 0.4682382124808651, 0.06598813786892856, 0.0037823963320275824, 7.297515550839662e-5,
];

function at(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined) throw new RangeError(`coefficient ${index} missing`);
  return value;
}

/** exp(-x²/2) * factor, split as R does (x = xsq + del) to keep the relative accuracy for large |x|. */
function gaussTail(x: number, factor: number): number {
  const xsq = Math.trunc(x * 16) / 16;
  const del = (x - xsq) * (x + xsq);
  return Math.exp(-xsq * xsq * 0.5) * Math.exp(-del * 0.5) * factor;
}

/**
 * Standard normal distribution function Φ(x) (lower tail) or 1 − Φ(x) (upper tail), each computed
 * directly so that small tail probabilities keep full relative precision.
 * Cody (1993) rational Chebyshev approximations, ACM TOMS 715 ANORM, as in R's `pnorm` (pnorm_both).
 */
export function normalCdf(x: number, lowerTail = true): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  let cumulative: number;
  let complement: number;
  if (y <= 0.67448975) {
    let numerator = 0;
    let denominator = 0;
    if (y > Number.EPSILON * 0.5) {
      const xsq = x * x;
      numerator = A4 * xsq;
      denominator = xsq;
      for (let i = 0; i < 3; i++) {
        numerator = (numerator + at(A, i)) * xsq;
        denominator = (denominator + at(B, i)) * xsq;
      }
    }
    const temp = (x * (numerator + at(A, 3))) / (denominator + at(B, 3));
    return lowerTail ? 0.5 + temp : 0.5 - temp;
  }
  if (y <= SQRT_32) {
    let numerator = C8 * y;
    let denominator = y;
    for (let i = 0; i < 7; i++) {
      numerator = (numerator + at(C, i)) * y;
      denominator = (denominator + at(D, i)) * y;
    }
    cumulative = gaussTail(y, (numerator + at(C, 7)) / (denominator + at(D, 7)));
    complement = 1 - cumulative;
  } else if ((lowerTail && -37.5193 < x && x < 8.2924) || (!lowerTail && -8.2924 < x && x < 37.5193)) {
    const xsq = 1 / (x * x);
    let numerator = P5 * xsq;
    let denominator = xsq;
    for (let i = 0; i < 4; i++) {
      numerator = (numerator + at(P, i)) * xsq;
      denominator = (denominator + at(Q, i)) * xsq;
    }
    let temp = (xsq * (numerator + at(P, 4))) / (denominator + at(Q, 4));
    temp = (ONE_OVER_SQRT_2PI - temp) / y;
    cumulative = gaussTail(x, temp);
    complement = 1 - cumulative;
  } else {
    cumulative = x > 0 ? 1 : 0;
    complement = 1 - cumulative;
    return lowerTail ? cumulative : complement;
  }
  // cumulative holds the lower tail at -|x|; swap for positive x.
  if (x > 0) [cumulative, complement] = [complement, cumulative];
  return lowerTail ? cumulative : complement;
}

function centralQuantile(q: number): number {
  const r = 0.180625 - q * q;
  return (
    (q *
      (((((((r * 2509.0809287301227 + 33430.57558358813) * r + 67265.7709270087) * r + 45921.95393154987) *
        r +
        13731.69376550946) *
        r +
        1971.5909503065513) *
        r +
        133.14166789178438) *
        r +
        3.3871328727963665)) /
    (((((((r * 5226.495278852546 + 28729.085735721943) * r + 39307.89580009271) * r + 21213.794301586597) *
      r +
      5394.196021424751) *
      r +
      687.1870074920579) *
      r +
      42.31333070160091) *
      r +
      1)
  );
}

function tailQuantile(rIn: number): number {
  let r = rIn;
  if (r <= 5) {
    r -= 1.6;
    return (
      (((((((r * 0.0007745450142783414 + 0.022723844989269184) * r + 0.2417807251774506) * r +
        1.2704582524523684) *
        r +
        3.6478483247632045) *
        r +
        5.769497221460691) *
        r +
        4.630337846156546) *
        r +
        1.4234371107496835) /
      (((((((r * 1.0507500716444169e-9 + 0.0005475938084995345) * r + 0.015198666563616457) * r +
        0.14810397642748008) *
        r +
        0.6897673349851) *
        r +
        1.6763848301838038) *
        r +
        2.053191626637759) *
        r +
        1)
    );
  }
  r -= 5;
  return (
    (((((((r * 2.0103343992922881e-7 + 2.7115555687434876e-5) * r + 0.0012426609473880784) * r +
      0.026532189526576124) *
      r +
      0.29656057182850487) *
      r +
      1.7848265399172913) *
      r +
      5.463784911164114) *
      r +
      6.657904643501103) /
    (((((((r * 2.0442631033899397e-15 + 1.421511758316446e-7) * r + 1.8463183175100548e-5) * r +
      0.0007868691311456133) *
      r +
      0.014875361290850615) *
      r +
      0.1369298809227358) *
      r +
      0.599832206555888) *
      r +
      1)
  );
}

/**
 * Standard normal quantile Φ⁻¹(p) for 0 ≤ p ≤ 1 (±Infinity at 0 and 1).
 * Wichura (1988) algorithm AS 241 (PPND16, about 16 digits), as in R's `qnorm`.
 */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) return centralQuantile(q);
  const tail = q < 0 ? p : 1 - p;
  const value = tailQuantile(Math.sqrt(-Math.log(tail)));
  return q < 0 ? -value : value;
}
