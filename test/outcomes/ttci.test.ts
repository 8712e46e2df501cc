import { describe, expect, it } from 'vitest';
import { compileTtci, deriveTtci } from '../../src/outcomes/ttci.ts';
import { baselineStatus, daily, days, mexcovid, participant } from './fixtures.ts';

const protocol = await mexcovid();
const compiled = compileTtci(protocol);
const CUT = '2020-06-01';

const derive = (...args: Parameters<typeof participant>) => deriveTtci(compiled, participant(...args), CUT);

describe('time to clinical improvement', () => {
  it('counts a decline of exactly two categories from baseline on the first day it is seen', () => {
    const result = derive([baselineStatus(5), ...days(1, 3, 5), daily(4, 4), daily(5, 3), ...days(6, 9, 3)]);
    expect(result.baseline).toBe(5);
    expect(result.analysis).toEqual({
      time: 5,
      event: 1,
      reason: 'improved',
      competingTime: 5,
      competingStatus: 1,
    });
  });

  it('does not count a decline of one category', () => {
    const result = derive([baselineStatus(5), ...days(1, 28, 4)]);
    expect(result.analysis?.event).toBe(0);
    expect(result.analysis?.time).toBe(28);
    expect(result.analysis?.reason).toBe('not-improved');
  });

  it('counts discharge alive as improvement even when the category fell by one only', () => {
    // Baseline 3 (in hospital, no oxygen); discharged unable to resume activities (2) on day 6.
    const result = derive([baselineStatus(3), ...days(1, 5, 3), daily(6, 2)]);
    expect(result.analysis).toMatchObject({ time: 6, event: 1, reason: 'discharged-alive' });
    expect(result.dischargeDay).toBe(6);
  });

  it('censors a death at the horizon in the primary analysis and makes it a competing event at its day', () => {
    const result = derive([baselineStatus(5), ...days(1, 9, 6), daily(10, 7)], {
      status: 'died',
      statusDate: '2020-02-10',
    });
    expect(result.deathDay).toBe(10);
    expect(result.analysis).toEqual({
      time: 28,
      event: 0,
      reason: 'died',
      competingTime: 10,
      competingStatus: 2,
    });
  });

  it('finds a death from the participant status when no daily record says so', () => {
    const result = derive([baselineStatus(6), ...days(1, 3, 6)], {
      status: 'died',
      statusDate: '2020-02-05',
    });
    expect(result.deathDay).toBe(5);
    expect(result.analysis?.competingStatus).toBe(2);
    expect(result.days.slice(0, 6).map((day) => day.category)).toEqual([6, 6, 6, null, 7, 7]);
  });

  it('never reads a missing day as improved, and improves on the next recorded day that qualifies', () => {
    const result = derive([baselineStatus(5), daily(1, 5), daily(7, 3)]);
    expect(result.days.slice(0, 7).map((day) => day.category)).toEqual([5, null, null, null, null, null, 3]);
    expect(result.analysis?.time).toBe(7);
  });

  it('excludes a participant with no baseline category and says why', () => {
    const result = derive([...days(1, 10, 3)]);
    expect(result.baseline).toBeNull();
    expect(result.analysis).toBeNull();
    expect(result.exclusion).toBe('baseline-missing');
  });

  it('excludes a participant with a baseline too incomplete to categorise', () => {
    const incomplete = baselineStatus(5);
    incomplete.values['clinicalStatus.invasiveVentilation'] = null;
    expect(derive([incomplete, ...days(1, 3, 3)]).exclusion).toBe('baseline-missing');
  });

  it('excludes a participant never dosed', () => {
    expect(derive([baselineStatus(5)], { day1Date: null, status: 'screen_failed' }).exclusion).toBe(
      'not-dosed',
    );
  });

  it('censors a withdrawn participant at the last day with a recorded status', () => {
    const result = derive([baselineStatus(5), ...days(1, 8, 5)], {
      status: 'withdrawn',
      statusDate: '2020-02-11',
    });
    expect(result.analysis).toMatchObject({ time: 8, event: 0, reason: 'follow-up-ended' });
  });

  it('censors a participant still on study at the data cut at the last recorded day', () => {
    const result = deriveTtci(
      compiled,
      participant([baselineStatus(5), ...days(1, 12, 5)], { status: 'enrolled', statusDate: null }),
      '2020-02-14',
    );
    expect(result.analysis).toMatchObject({ time: 12, event: 0, reason: 'follow-up-ended' });
  });

  it('treats improvement on day 28 as an event and after day 28 as none', () => {
    expect(derive([baselineStatus(5), ...days(1, 27, 5), daily(28, 3)]).analysis).toMatchObject({
      time: 28,
      event: 1,
    });
    expect(derive([baselineStatus(5), ...days(1, 28, 5), daily(29, 3)]).analysis).toMatchObject({
      time: 28,
      event: 0,
    });
  });

  it('cannot improve from a baseline of 2 by two categories, but can by discharge', () => {
    // Baseline 2 is out of hospital already: 2 − 2 = 0 is impossible, so only the discharge rule can apply.
    const result = derive([baselineStatus(2), daily(1, 1)]);
    expect(result.analysis?.reason).toBe('discharged-alive');
  });
});
