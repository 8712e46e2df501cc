// Dense symmetric positive-definite systems of a few unknowns (the number of arms less one), solved
// by Cholesky decomposition. Hand-written: a linear-algebra package would bring far more than the
// 3×3 systems that log-rank and Cox models of trial arms need.

export type Matrix = number[][];

/** The lower-triangular L with A = L Lᵀ, or null when A is not positive definite (singular). */
export function cholesky(a: Matrix): Matrix | null {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const rowI = l[i] as number[];
    for (let j = 0; j <= i; j++) {
      const rowJ = l[j] as number[];
      let sum = (a[i] as number[])[j] as number;
      for (let k = 0; k < j; k++) sum -= (rowI[k] as number) * (rowJ[k] as number);
      if (i === j) {
        // Relative to the diagonal's size, as R's solve() refuses a matrix near singular.
        if (!(sum > 1e-12 * Math.abs((a[i] as number[])[i] as number))) return null;
        rowI[i] = Math.sqrt(sum);
      } else {
        rowI[j] = sum / (rowJ[j] as number);
      }
    }
  }
  return l;
}

/** x with L Lᵀ x = b. */
export function choleskySolve(l: Matrix, b: readonly number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= ((l[i] as number[])[k] as number) * (y[k] as number);
    y[i] = sum / ((l[i] as number[])[i] as number);
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k++) sum -= ((l[k] as number[])[i] as number) * (x[k] as number);
    x[i] = sum / ((l[i] as number[])[i] as number);
  }
  return x;
}

/** A⁻¹ from A's Cholesky factor. */
export function choleskyInverse(l: Matrix): Matrix {
  const n = l.length;
  const columns = Array.from({ length: n }, (_, j) =>
    choleskySolve(
      l,
      Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  return Array.from({ length: n }, (_, i) => columns.map((column) => column[i] as number));
}

/** xᵀ A⁻¹ x, from A's Cholesky factor. */
export function quadraticFormInverse(l: Matrix, x: readonly number[]): number {
  const solved = choleskySolve(l, x);
  return x.reduce((sum, value, i) => sum + value * (solved[i] as number), 0);
}
