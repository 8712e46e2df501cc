import type { BadRow } from '../db/schema-product.ts';
import type { LoggerReading, LoggerRow } from './logger-csv.ts';

// Pure: the checks a logger file's readings must pass beyond their own row, in one streaming pass
// with constant memory. A logger writes its readings in time order, so every reading of one instant
// (however its zone was written) sits next to the others: one held group is enough to find them.

/** How far past the server's clock a reading may be (clocks of loggers and servers drift a little). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** Temperatures equal to this much are the same reading written twice. */
const SAME_CELSIUS = 1e-9;

export interface CheckedRows {
  /** Readings to store: one per instant, in time order. */
  readings: LoggerReading[];
  bad: BadRow[];
  /** Readings repeated in the file with the same temperature: already present. */
  duplicates: number;
}

/**
 * Feeds a logger file's rows, in file order, and sorts them into readings, bad rows and repeats. Bad:
 * a row the reader could not read; a reading later than the clock allows; a reading earlier than the
 * one before it (logger files are in time order); every reading of an instant that has another
 * reading with a different temperature (which one is true cannot be known).
 */
export class ReadingChecker {
  private group: LoggerReading[] = [];
  private lastGood: LoggerReading | null = null;
  private readonly latest: number;

  constructor(clock: Date) {
    this.latest = clock.getTime() + FUTURE_TOLERANCE_MS;
  }

  push(rows: readonly LoggerRow[]): CheckedRows {
    const out: CheckedRows = { readings: [], bad: [], duplicates: 0 };
    for (const row of rows) {
      if (!row.ok) out.bad.push(row.bad);
      else this.take(row.reading, out);
    }
    return out;
  }

  /** The readings still held at the end of the file. */
  end(): CheckedRows {
    const out: CheckedRows = { readings: [], bad: [], duplicates: 0 };
    this.release(out);
    return out;
  }

  private take(reading: LoggerReading, out: CheckedRows): void {
    const at = reading.at.getTime();
    if (at > this.latest) {
      out.bad.push({
        line: reading.line,
        message: `The time is in the future (after ${new Date(this.latest).toISOString()}, the server's clock and ${FUTURE_TOLERANCE_MS / 60_000} minutes).`,
      });
      return;
    }
    const previous = this.lastGood;
    if (previous && at < previous.at.getTime()) {
      out.bad.push({
        line: reading.line,
        message: `The time is earlier than the reading on line ${previous.line}: a logger file is in time order.`,
      });
      return;
    }
    this.lastGood = reading;
    const first = this.group[0];
    if (first && first.at.getTime() !== at) this.release(out);
    this.group.push(reading);
  }

  private release(out: CheckedRows): void {
    const [first, ...rest] = this.group;
    this.group = [];
    if (!first) return;
    const differs = rest.find((reading) => Math.abs(reading.celsius - first.celsius) > SAME_CELSIUS);
    if (!differs) {
      out.readings.push(first);
      out.duplicates += rest.length;
      return;
    }
    for (const reading of [first, ...rest]) {
      const other = reading === first ? differs : first;
      out.bad.push({
        line: reading.line,
        message: `The same instant as line ${other.line} (in any zone) with a different temperature: correct the one that is wrong.`,
      });
    }
  }
}

/**
 * The smallest lines of a stream of bad rows, at most `limit`, without keeping them all: a file of a
 * million bad rows lists its first hundred.
 */
export class FirstBadRows {
  private rows: BadRow[] = [];
  total = 0;

  constructor(private readonly limit: number) {}

  add(rows: readonly BadRow[]): void {
    this.total += rows.length;
    this.rows.push(...rows);
    if (this.rows.length > 2 * this.limit) this.trim();
  }

  list(): BadRow[] {
    this.trim();
    return [...this.rows];
  }

  private trim(): void {
    this.rows.sort((a, b) => a.line - b.line);
    this.rows.length = Math.min(this.rows.length, this.limit);
  }
}

/**
 * The median interval between consecutive readings, from a histogram of intervals (loggers use a few
 * fixed intervals, so the histogram stays small; past `MAX_KEYS` distinct values new ones are dropped).
 */
export class IntervalMedian {
  private static readonly MAX_KEYS = 10_000;
  private readonly counts = new Map<number, number>();
  private previous: number | null = null;

  add(readings: readonly LoggerReading[]): void {
    for (const reading of readings) {
      const at = reading.at.getTime();
      if (this.previous !== null) {
        const interval = at - this.previous;
        const count = this.counts.get(interval);
        if (count !== undefined) this.counts.set(interval, count + 1);
        else if (this.counts.size < IntervalMedian.MAX_KEYS) this.counts.set(interval, 1);
      }
      this.previous = at;
    }
  }

  /** In minutes; null with fewer than two readings. */
  minutes(): number | null {
    if (this.counts.size === 0) return null;
    const sorted = [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
    const counted = sorted.reduce((sum, [, count]) => sum + count, 0);
    let seen = 0;
    for (const [interval, count] of sorted) {
      seen += count;
      if (seen * 2 >= counted) return interval / 60_000;
    }
    return null;
  }
}
