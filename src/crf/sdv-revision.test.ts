import { describe, expect, it } from 'vitest';
import type { Entries } from './entries.ts';
import { allVerified } from './review.service.ts';

const entries: Entries = {
  heartRate: { value: 92, revision: 2 },
  spo2: { value: 95, revision: 1 },
};

describe('a form counts as verified only with every mark on the current revision', () => {
  it('is verified when each saved field carries a mark on its revision', () => {
    expect(
      allVerified(
        entries,
        new Map([
          ['heartRate', 2],
          ['spo2', 1],
        ]),
      ),
    ).toBe(true);
  });

  it('is not verified when a mark was made on an older revision of a changed value', () => {
    expect(
      allVerified(
        entries,
        new Map([
          ['heartRate', 1],
          ['spo2', 1],
        ]),
      ),
    ).toBe(false);
  });

  it('is not verified with a field unmarked, or with no marks, however many marks there are', () => {
    expect(
      allVerified(
        entries,
        new Map([
          ['heartRate', 2],
          ['temperature', 1],
          ['rr', 1],
        ]),
      ),
    ).toBe(false);
    expect(allVerified(entries, undefined)).toBe(false);
  });
});
