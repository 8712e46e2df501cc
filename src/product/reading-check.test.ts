import { describe, expect, it } from 'vitest';
import type { LoggerRow } from './logger-csv.ts';
import { FirstBadRows, IntervalMedian, ReadingChecker } from './reading-check.ts';

const clock = new Date('2026-03-02T00:00:00Z');
const t0 = Date.parse('2026-03-01T00:00:00Z');
const row = (line: number, minutes: number, celsius: number): LoggerRow => ({
  ok: true,
  reading: { line, at: new Date(t0 + minutes * 60_000), celsius },
});

function check(rows: LoggerRow[]) {
  const checker = new ReadingChecker(clock);
  const first = checker.push(rows);
  const last = checker.end();
  return {
    lines: [...first.readings, ...last.readings].map((reading) => reading.line),
    bad: [...first.bad, ...last.bad].map((bad) => `${bad.line}: ${bad.message}`),
    duplicates: first.duplicates + last.duplicates,
  };
}

describe('reading checks', () => {
  it('keeps one of identical repeats, counted as already present', () => {
    expect(check([row(1, 0, -80), row(2, 1, -80), row(3, 1, -80), row(4, 2, -80)])).toEqual({
      lines: [1, 2, 4],
      bad: [],
      duplicates: 1,
    });
  });

  it('makes every reading of an instant with two temperatures a bad row, naming the other line', () => {
    const result = check([row(1, 0, -80), row(2, 1, -80), row(3, 1, -20), row(4, 2, -80)]);
    expect(result.lines).toEqual([1, 4]);
    expect(result.bad).toEqual([
      '2: The same instant as line 3 (in any zone) with a different temperature: correct the one that is wrong.',
      '3: The same instant as line 2 (in any zone) with a different temperature: correct the one that is wrong.',
    ]);
  });

  it('refuses a reading earlier than the one before it, and one after the clock and its tolerance', () => {
    const minutesToClock = (clock.getTime() - t0) / 60_000;
    const result = check([
      row(1, 10, -80),
      row(2, 5, -80),
      row(3, minutesToClock + 5, -80),
      row(4, minutesToClock + 6, -80),
      row(5, 11, -80),
    ]);
    // Line 3 is at the clock plus the tolerance exactly: still accepted.
    expect(result.lines).toEqual([1, 3]);
    expect(result.bad).toEqual([
      '2: The time is earlier than the reading on line 1: a logger file is in time order.',
      "4: The time is in the future (after 2026-03-02T00:05:00.000Z, the server's clock and 5 minutes).",
      '5: The time is earlier than the reading on line 3: a logger file is in time order.',
    ]);
  });

  it('lists the first bad rows by line, however many there are', () => {
    const first = new FirstBadRows(3);
    for (let line = 50; line > 0; line--) first.add([{ line, message: 'bad' }]);
    expect(first.list().map((bad) => bad.line)).toEqual([1, 2, 3]);
    expect(first.total).toBe(50);
  });

  it('finds the median interval between readings', () => {
    const median = new IntervalMedian();
    expect(median.minutes()).toBeNull();
    const minutes = [0, 1, 2, 3, 60, 61, 62];
    median.add(minutes.map((minute, i) => ({ line: i, at: new Date(t0 + minute * 60_000), celsius: -80 })));
    expect(median.minutes()).toBe(1);
  });
});
