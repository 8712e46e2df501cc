import { describe, expect, it } from 'vitest';
import { type CourseDose, deriveChallenge } from './challenge.ts';

const day = (n: number) => new Date(Date.UTC(2026, 11, n, 0, 0));
const given = (doseNumber: number): CourseDose => ({
  doseNumber,
  status: 'completed',
  startedAt: day(doseNumber),
});
const missed = (doseNumber: number): CourseDose => ({ doseNumber, status: 'not-given', startedAt: null });
const onsetAfterDose = (n: number) => new Date(day(n).getTime() + 3_600_000);

describe('dechallenge and rechallenge from a course of five daily doses', () => {
  it('stopped after the onset and abated: a positive dechallenge, nothing to rechallenge', () => {
    const result = deriveChallenge([given(1), given(2), missed(3)], 5, onsetAfterDose(2), 'recovered');
    expect(result.dechallenge.answer).toBe('yes');
    expect(result.dechallenge.basis.en).toContain('dose 3 was not given');
    expect(result.rechallenge.answer).toBe('not-applicable');
  });

  it('stopped (no record of the next dose) and not abated: a negative dechallenge', () => {
    expect(deriveChallenge([given(1)], 5, onsetAfterDose(1), 'not-recovered').dechallenge.answer).toBe('no');
  });

  it('stopped with the outcome unknown: the investigator answers', () => {
    expect(
      deriveChallenge([given(1), missed(2)], 5, onsetAfterDose(1), 'unknown').dechallenge.answer,
    ).toBeNull();
  });

  it('dosing continued after the onset: not applicable', () => {
    const result = deriveChallenge([given(1), given(2), given(3)], 5, onsetAfterDose(2), 'recovered');
    expect(result.dechallenge.answer).toBe('not-applicable');
    expect(result.dechallenge.basis.en).toContain('dose 3 was given');
  });

  it('the course was complete, or no dose preceded the onset: not applicable', () => {
    const course = [1, 2, 3, 4, 5].map(given);
    expect(deriveChallenge(course, 5, onsetAfterDose(5), 'recovered').dechallenge.answer).toBe(
      'not-applicable',
    );
    expect(deriveChallenge(course, 5, new Date(day(1).getTime() - 1), 'recovered').dechallenge.answer).toBe(
      'not-applicable',
    );
  });

  it('restarted after a stop: the rechallenge is the investigator’s to answer', () => {
    const result = deriveChallenge([given(1), missed(2), given(3)], 5, onsetAfterDose(1), 'recovered');
    expect(result.dechallenge.answer).toBe('yes');
    expect(result.rechallenge.answer).toBeNull();
    expect(result.rechallenge.basis.en).toContain('dose 3');
  });

  it('no onset: nothing can be derived', () => {
    expect(deriveChallenge([given(1)], 5, null, 'recovered').dechallenge.answer).toBeNull();
  });
});
