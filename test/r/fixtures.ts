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

/** Regenerated values may differ in the last bits between R builds and platforms; more is a real change. */
const REGENERATION_TOLERANCE = 1e-13;
/** Version stamps: informative, not part of the reference values. */
const IGNORED_KEYS = new Set(['r', 'survival']);

/** Differences between two parsed fixtures, as readable paths; numbers compared relatively. */
export function fixtureDifferences(
  actual: unknown,
  expected: unknown,
  path = '$',
  out: string[] = [],
): string[] {
  if (out.length >= 10) return out;
  if (typeof expected === 'number' || typeof actual === 'number') {
    const difference = relativeDifference(
      typeof actual === 'number' ? actual : null,
      typeof expected === 'number' ? expected : null,
    );
    if (difference > REGENERATION_TOLERANCE)
      out.push(`${path}: regenerated ${String(actual)}, committed ${String(expected)}`);
    return out;
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual) || expected.length !== actual.length) {
      out.push(`${path}: arrays differ in shape`);
      return out;
    }
    expected.forEach((item, index) => {
      fixtureDifferences(actual[index], item, `${path}[${index}]`, out);
    });
    return out;
  }
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      if (IGNORED_KEYS.has(key)) continue;
      fixtureDifferences(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
        out,
      );
    }
    return out;
  }
  if (actual !== expected)
    out.push(`${path}: regenerated ${JSON.stringify(actual)}, committed ${JSON.stringify(expected)}`);
  return out;
}
