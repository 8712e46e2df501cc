import type { BadRow } from '../db/schema-product.ts';
import { type LoggerReading, readLoggerCsv } from './logger-csv.ts';
import { ReadingChecker } from './reading-check.ts';

/** Readings checked against the log per query: one range read of the stored readings per batch. */
export const BATCH = 20_000;

/** The stored readings of the unit between two instants, by epoch milliseconds. */
export type StoredLookup = (from: Date, to: Date) => Promise<Map<number, number>>;

export interface CheckedBatch {
  rowsRead: number;
  /** Every good reading, in time order: new ones and those already in the log. */
  readings: LoggerReading[];
  /** Those not yet in the log: the ones to store. */
  fresh: LoggerReading[];
  /** Repeats of a reading with the same temperature, in the file or in the log. */
  duplicates: number;
  bad: BadRow[];
}

const emptyBatch = (): CheckedBatch => ({ rowsRead: 0, readings: [], fresh: [], duplicates: 0, bad: [] });

/**
 * A logger file's rows, checked (each row, the file's order and repeats, then against the readings
 * already in the unit's log) and yielded in batches of about BATCH readings. Deterministic for a given
 * file, clock and log, so the writing pass finds exactly what the checking pass found.
 */
export async function* checkedBatches(
  input: AsyncIterable<Buffer | string>,
  clock: Date,
  stored: StoredLookup,
): AsyncGenerator<CheckedBatch> {
  const checker = new ReadingChecker(clock);
  let pending = emptyBatch();
  const add = (
    rowsRead: number,
    checked: { readings: LoggerReading[]; bad: BadRow[]; duplicates: number },
  ) => {
    pending.rowsRead += rowsRead;
    pending.readings.push(...checked.readings);
    pending.bad.push(...checked.bad);
    pending.duplicates += checked.duplicates;
  };
  for await (const rows of readLoggerCsv(input)) {
    add(rows.length, checker.push(rows));
    if (pending.readings.length >= BATCH) {
      yield await againstLog(pending, stored);
      pending = emptyBatch();
    }
  }
  add(0, checker.end());
  yield await againstLog(pending, stored);
}

/** Splits a batch's readings into new ones, repeats of a stored reading, and conflicts with one. */
async function againstLog(batch: CheckedBatch, stored: StoredLookup): Promise<CheckedBatch> {
  const first = batch.readings[0];
  const last = batch.readings.at(-1);
  if (!first || !last) return batch;
  const log = await stored(first.at, last.at);
  if (log.size === 0) return { ...batch, fresh: batch.readings };
  const fresh: LoggerReading[] = [];
  const kept: LoggerReading[] = [];
  let duplicates = batch.duplicates;
  const bad = [...batch.bad];
  for (const reading of batch.readings) {
    const celsius = log.get(reading.at.getTime());
    if (celsius === undefined) {
      fresh.push(reading);
      kept.push(reading);
    } else if (Math.abs(celsius - reading.celsius) <= 1e-9) {
      duplicates += 1;
      kept.push(reading);
    } else {
      bad.push({
        line: reading.line,
        message: `The log already holds a reading at this instant with another temperature (${celsius} °C): correct the one that is wrong.`,
      });
    }
  }
  return { ...batch, readings: kept, fresh, duplicates, bad };
}
