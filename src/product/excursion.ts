// Pure: excursions of a storage unit found in its temperature readings, taken in time order.

export interface Reading {
  at: Date;
  celsius: number;
}

export interface AllowedRange {
  low: number;
  high: number;
  toleranceMinutes: number;
}

export interface Excursion {
  startedAt: Date;
  /** The first reading back in range; null when the last reading is still out of range. */
  endedAt: Date | null;
  /** From the first reading out of range to the first back in range (or the last reading so far). */
  minutes: number;
  minCelsius: number;
  maxCelsius: number;
  /** Longer than the tolerance: the vials that were inside are quarantined. */
  quarantines: boolean;
}

export const outOfRange = (range: AllowedRange, celsius: number) =>
  celsius < range.low || celsius > range.high;

/**
 * Feeds readings one at a time (constant memory, so a million-row logger file streams through it).
 * An excursion runs from the first reading out of range to the first reading back in range; with no
 * reading in between, the unit is taken to have been out of range the whole time (the safe side).
 */
export class ExcursionTracker {
  private open: { startedAt: Date; lastAt: Date; min: number; max: number } | null = null;
  private lastAt: Date | null = null;
  private readonly found: Excursion[] = [];

  constructor(private readonly range: AllowedRange) {}

  push(reading: Reading): void {
    if (this.lastAt && reading.at.getTime() < this.lastAt.getTime()) {
      throw new Error('Readings must be pushed in time order.');
    }
    this.lastAt = reading.at;
    if (outOfRange(this.range, reading.celsius)) {
      if (!this.open) {
        this.open = { startedAt: reading.at, lastAt: reading.at, min: reading.celsius, max: reading.celsius };
      } else {
        this.open.lastAt = reading.at;
        this.open.min = Math.min(this.open.min, reading.celsius);
        this.open.max = Math.max(this.open.max, reading.celsius);
      }
      return;
    }
    if (this.open) {
      this.found.push(this.close(this.open.startedAt, reading.at));
      this.open = null;
    }
  }

  /** Excursions closed so far, emptied on each call (so a long stream never accumulates them). */
  drain(): Excursion[] {
    return this.found.splice(0, this.found.length);
  }

  /** The excursion still open at the last reading, if any. */
  pending(): Excursion | null {
    return this.open ? this.close(this.open.startedAt, null) : null;
  }

  private close(startedAt: Date, endedAt: Date | null): Excursion {
    const open = this.open;
    if (!open) throw new Error('no open excursion');
    const end = endedAt ?? open.lastAt;
    const minutes = (end.getTime() - startedAt.getTime()) / 60_000;
    return {
      startedAt,
      endedAt,
      minutes,
      minCelsius: open.min,
      maxCelsius: open.max,
      quarantines: minutes > this.range.toleranceMinutes,
    };
  }
}

/** Every excursion in a series of readings (sorted here), the last one possibly still open. */
export function findExcursions(range: AllowedRange, readings: readonly Reading[]): Excursion[] {
  const tracker = new ExcursionTracker(range);
  const sorted = [...readings].sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const reading of sorted) tracker.push(reading);
  const pending = tracker.pending();
  return pending ? [...tracker.drain(), pending] : tracker.drain();
}
