import { describe, expect, it } from 'vitest';
import { compileOrdinalScale, dailyCategories, ordinalCategory } from '../../src/outcomes/ordinal-status.ts';
import { daily, mexcovid, statusValues } from './fixtures.ts';

const protocol = await mexcovid();
const scale = compileOrdinalScale(
  protocol.outcomes.ordinalScale ?? { id: 'x', name: { en: '', zh: '' }, categories: [] },
);

describe('ordinal clinical status of one day', () => {
  it('reads each of the seven categories from the recorded items', () => {
    for (let category = 1; category <= 7; category++) {
      expect(ordinalCategory(scale, statusValues(category))).toBe(category);
    }
    expect(scale.formId).toBe('clinicalStatus');
  });

  it('takes the highest category whose rule holds (ECMO with high-flow oxygen is 6)', () => {
    expect(ordinalCategory(scale, statusValues(5, { 'clinicalStatus.ecmo': true }))).toBe(6);
  });

  it('is unknown, not guessed, when an item that could raise the category is missing', () => {
    // On oxygen, but whether ventilated is not recorded: 4, 5 or 6.
    expect(
      ordinalCategory(scale, statusValues(4, { 'clinicalStatus.invasiveVentilation': null })),
    ).toBeNull();
    // Not in hospital, activity not recorded: 1 or 2.
    expect(ordinalCategory(scale, statusValues(1, { 'clinicalStatus.normalActivities': null }))).toBeNull();
    // Died is enough on its own, whatever else is missing.
    expect(ordinalCategory(scale, { 'clinicalStatus.died': true })).toBe(7);
    // Nothing recorded.
    expect(ordinalCategory(scale, {})).toBeNull();
  });

  it('decides a lower category once every higher rule is false even with unrelated items missing', () => {
    // ECMO missing but invasive ventilation true: 6 whatever ECMO is.
    expect(
      ordinalCategory(scale, statusValues(6, { 'clinicalStatus.ecmo': null, 'clinicalStatus.icu': null })),
    ).toBe(6);
  });
});

describe('daily categories over the follow-up', () => {
  it('keeps days without a record missing and makes death absorbing from its day', () => {
    const result = dailyCategories(scale, [daily(1, 5), daily(2, 5), daily(4, 4)], 6, 5);
    expect(result.map((day) => day.category)).toEqual([5, 5, null, 4, 7, 7]);
    expect(result.map((day) => day.source)).toEqual(['record', 'record', 'none', 'record', 'death', 'death']);
  });

  it('does not carry the last status forward after discharge', () => {
    const result = dailyCategories(scale, [daily(1, 4), daily(2, 2)], 4, null);
    expect(result.map((day) => day.category)).toEqual([4, 2, null, null]);
  });
});
