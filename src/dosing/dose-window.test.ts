import { describe, expect, it } from 'vitest';
import { compliance, type DoseWindow, doseState, doseTiming } from './dose-window.ts';

const window: DoseWindow = {
  visitId: 'day-2',
  doseNumber: 2,
  earliest: new Date('2026-03-02T02:00:00Z'),
  latest: new Date('2026-03-02T14:00:00Z'),
};

describe('dose timing against the window', () => {
  it('is on time at both edges, early a millisecond before, late (delayed) a millisecond after', () => {
    expect(doseTiming(window, window.earliest)).toBe('on-time');
    expect(doseTiming(window, window.latest)).toBe('on-time');
    expect(doseTiming(window, new Date(window.earliest.getTime() - 1))).toBe('early');
    expect(doseTiming(window, new Date(window.latest.getTime() + 1))).toBe('late');
  });

  it('a dose with no record is due in its window, missed once it closed, upcoming before', () => {
    expect(doseState(window, null, window.latest)).toBe('due');
    expect(doseState(window, null, new Date(window.latest.getTime() + 1))).toBe('missed');
    expect(doseState(window, null, new Date(window.earliest.getTime() - 1))).toBe('upcoming');
    expect(doseState(window, { status: 'interrupted' }, new Date(0))).toBe('interrupted');
  });
});

describe('compliance', () => {
  it('counts given over expected, and missed, not given, interrupted, early and delayed apart', () => {
    const result = compliance([
      { state: 'given', timing: 'on-time' },
      { state: 'given', timing: 'late' },
      { state: 'interrupted', timing: 'early' },
      { state: 'not-given', timing: null },
      { state: 'missed', timing: null },
      { state: 'upcoming', timing: null },
    ]);
    expect(result).toEqual({
      given: 3,
      expected: 5,
      percent: 60,
      completed: 2,
      interrupted: 1,
      notGiven: 1,
      missed: 1,
      early: 1,
      delayed: 1,
    });
  });

  it('is null per cent before any window opened', () => {
    expect(compliance([{ state: 'upcoming' }, { state: 'upcoming' }])).toMatchObject({
      given: 0,
      expected: 0,
      percent: null,
    });
  });
});
