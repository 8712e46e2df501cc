import { describe, expect, it } from 'vitest';
import { type ApplicableRange, ageOn, flagValue, selectRange } from './range-select.ts';

const range = (
  name: string,
  sex: 'M' | 'F' | null,
  ageLow: number | null,
  ageHigh: number | null,
): ApplicableRange & { name: string } => ({
  name,
  sex,
  ageLow,
  ageHigh,
  standardLow: 0,
  standardHigh: 40,
});

describe('reference range selection', () => {
  const ranges = [
    range('any', null, null, null),
    range('male', 'M', null, null),
    range('female 18–49', 'F', 18, 49),
    range('female 50+', 'F', 50, null),
    range('either 65+', null, 65, null),
  ];
  const pick = (sex: 'M' | 'F' | null, age: number | null) => selectRange(ranges, { sex, age })?.name;

  it('prefers the range of the participant’s sex to one for either', () => {
    expect(pick('M', 30)).toBe('male');
  });

  it('picks the age band that holds the age, both ends inclusive', () => {
    expect(pick('F', 18)).toBe('female 18–49');
    expect(pick('F', 49)).toBe('female 18–49');
    expect(pick('F', 50)).toBe('female 50+');
    expect(pick('F', 75)).toBe('female 50+');
  });

  it('falls back to the range for either sex and any age when nothing closer applies', () => {
    expect(pick('F', 17)).toBe('any');
    expect(pick(null, 30)).toBe('any');
  });

  it('takes an age band for either sex over one without band', () => {
    expect(pick(null, 70)).toBe('either 65+');
  });

  it('applies no banded range when the age is unknown', () => {
    expect(pick('F', null)).toBe('any');
  });

  it('returns null when no range applies', () => {
    expect(selectRange([range('male', 'M', null, null)], { sex: 'F', age: 40 })).toBeNull();
  });
});

describe('flags', () => {
  const bounds = { standardLow: 7, standardHigh: 40 };
  it('is normal on both bounds and high or low just beyond them', () => {
    expect(flagValue(7, bounds)).toBe('normal');
    expect(flagValue(40, bounds)).toBe('normal');
    expect(flagValue(6.9, bounds)).toBe('low');
    expect(flagValue(40.1, bounds)).toBe('high');
  });
  it('flags only against the bounds a range has', () => {
    expect(flagValue(0, { standardLow: null, standardHigh: 5 })).toBe('normal');
    expect(flagValue(1000, { standardLow: 1, standardHigh: null })).toBe('normal');
  });
});

describe('age at collection', () => {
  it('counts whole years, the birthday itself included', () => {
    expect(ageOn('1970-03-15', '2020-03-14')).toBe(49);
    expect(ageOn('1970-03-15', '2020-03-15')).toBe(50);
    expect(ageOn('1972-02-29', '2021-02-28')).toBe(48);
    expect(ageOn('1972-02-29', '2021-03-01')).toBe(49);
  });
});
