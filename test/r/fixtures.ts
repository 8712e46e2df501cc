// Reading the R reference fixtures (test/fixtures/r/*.json) and comparing numbers to them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'r');
export const R_SCRIPT_DIR = dirname(fileURLToPath(import.meta.url));

/** Relative tolerance the analysis tests hold every value to (see src/analysis/README.md). */
export const RELATIVE_TOLERANCE = 1e-10;

/** R writes Inf as "Inf" and NA/NaN as null (test/r/json.R); map them back. */
export function parseFixture(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === 'Inf') return Number.POSITIVE_INFINITY;
    if (value === '-Inf') return Number.NEGATIVE_INFINITY;
    return value;
  });
}

export function readFixture<T>(name: string, directory = FIXTURE_DIR): T {
  return parseFixture(readFileSync(join(directory, name), 'utf8')) as T;
}

/** Relative difference |a − e| / max(|a|, |e|); 0 when equal (including both null or both ±Infinity). */
export function relativeDifference(actual: number | null, expected: number | null): number {
  if (actual === expected) return 0;
  if (actual === null || expected === null || Number.isNaN(actual) || Number.isNaN(expected)) {
    return Number.POSITIVE_INFINITY;
  }
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.max(Math.abs(actual), Math.abs(expected));
}

/** Collects comparisons so a test can assert them all at once and report the worst one. */
export class Comparison {
  worst = 0;
  worstLabel = '';
  count = 0;
  readonly failures: string[] = [];

  constructor(readonly tolerance = RELATIVE_TOLERANCE) {}

  check(label: string, actual: number | null, expected: number | null): void {
    const difference = relativeDifference(actual, expected);
    this.count++;
    if (difference > this.worst) {
      this.worst = difference;
      this.worstLabel = label;
    }
    if (difference > this.tolerance && this.failures.length < 20) {
      this.failures.push(`${label}: got ${actual}, R gives ${expected} (relative difference ${difference})`);
    }
  }

  checkAll(label: string, actual: readonly (number | null)[], expected: readonly (number | null)[]): void {
    if (actual.length !== expected.length) {
      this.failures.push(`${label}: length ${actual.length}, R has ${expected.length}`);
      return;
    }
    actual.forEach((value, index) => {
      this.check(`${label}[${index}]`, value, expected[index] ?? null);
    });
  }
}
