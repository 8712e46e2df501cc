import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import { eventDay, type RuleObservation } from './confirmed-event.ts';
import { deriveOutcomes } from './secondary.ts';
import type { OutcomeRecord, ParticipantSource } from './source.ts';

const series = (...days: [number, boolean][]): RuleObservation[] =>
  days.map(([day, result]) => ({ day, result }));

describe('an event confirmed by a later record (two negative RT-PCR 24 h apart)', () => {
  it('takes the first day the rule holds when no confirmation is asked', () => {
    expect(eventDay(series([3, false], [5, true], [7, false]), undefined)).toBe(5);
    expect(eventDay(series([3, false]), undefined)).toBeNull();
  });

  it('needs a second holding record at least a day later, none failing between', () => {
    // Negative on day 5, positive on day 6: not cleared; negatives on days 8 and 10 clear it from day 8.
    expect(eventDay(series([5, true], [6, false], [8, true], [10, true]), 1)).toBe(8);
    // Two negatives on the same day are not 24 h apart; the next day's third confirms the first.
    expect(eventDay(series([5, true], [5, true], [6, true]), 1)).toBe(5);
    expect(eventDay(series([5, true], [5, true]), 1)).toBeNull();
    // A last negative with nothing after it is not yet clearance.
    expect(eventDay(series([4, false], [9, true]), 1)).toBeNull();
  });

  it('never comes earlier than the unconfirmed event, and is one of its holding days (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 1, max: 14 }), result: fc.boolean() }), {
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 3 }),
        (raw, days) => {
          const observations = [...raw].sort((a, b) => a.day - b.day);
          const confirmed = eventDay(observations, days);
          if (confirmed === null) return;
          const first = eventDay(observations, undefined);
          expect(first).not.toBeNull();
          expect(confirmed).toBeGreaterThanOrEqual(first ?? Number.POSITIVE_INFINITY);
          expect(observations.some((entry) => entry.day === confirmed && entry.result)).toBe(true);
        },
      ),
    );
  });
});

describe('MEXCOVID viral clearance over every RT-PCR instance', async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the shipped protocol must be valid');
  const protocol = loaded.protocol;
  const day1Date = '2026-03-01';
  const dateOf = (day: number) =>
    new Date(Date.parse(day1Date) + (day - 1) * 86_400_000).toISOString().slice(0, 10);
  const test = (visitKey: string, instance: number, day: number, result: string): OutcomeRecord => ({
    visitKey,
    formId: 'rtPcr',
    instance,
    values: { 'rtPcr.collectedOn': dateOf(day), 'rtPcr.specimen': 'sputum', 'rtPcr.result': result },
  });
  const participant = (participantId: string, records: OutcomeRecord[]): ParticipantSource => ({
    participantId,
    label: participantId,
    siteId: 'RJ',
    status: 'completed',
    statusDate: null,
    day1Date,
    records,
  });

  it('dates clearance by the first of two negatives a day apart, across visits and unscheduled tests', () => {
    const participants = [
      // Negative on day 5 (unscheduled), positive on day 7, then negatives on days 7 (2nd) and 9.
      participant('A', [
        test('screening', 1, 0, 'positive'),
        test('unscheduled', 1, 5, 'negative'),
        test('day-7', 1, 7, 'positive'),
        test('day-7', 2, 7, 'negative'),
        test('unscheduled', 2, 9, 'negative'),
      ]),
      // One negative only, on day 7: censored there.
      participant('B', [test('screening', 1, 0, 'positive'), test('day-7', 1, 7, 'negative')]),
    ];
    const outcome = deriveOutcomes({
      protocol,
      participants,
      deathDay: new Map(),
      followedTo: new Map([
        ['A', 28],
        ['B', 28],
      ]),
    }).find((result) => result.id === 'viral-clearance');
    if (outcome?.measure !== 'time-to-event') throw new Error('viral clearance is a time-to-event outcome');
    expect({ n: outcome.n, events: outcome.events }).toEqual({ n: 2, events: 1 });
    expect(outcome.fit?.rows.map((row) => [row.time, row.nEvent, row.nCensor])).toEqual([[7, 1, 1]]);
  });
});
