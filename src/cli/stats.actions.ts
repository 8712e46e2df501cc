import { readFileSync } from 'node:fs';
import { CoxModelError, coxProportionalHazards } from '../analysis/cox.ts';
import { CsvSyntaxError, recordLine, streamCsv } from '../analysis/csv.ts';
import {
  type ConfType,
  type KaplanMeierFit,
  type KaplanMeierOptions,
  kaplanMeierColumns,
} from '../analysis/kaplan-meier.ts';
import { logRank, type SurvivalRecords } from '../analysis/logrank.ts';
import { CliUserError } from './cli-errors.ts';
import { checkInputFile } from './cli-files.ts';

/** A mistake in the command's input: reported on stderr with exit code 1, no stack trace. */
class StatsInputError extends CliUserError {
  override name = 'StatsInputError';
}

interface KmCommandOptions {
  csv: string;
  time: string;
  event: string;
  group?: string;
  confType: ConfType;
  confLevel: string;
}

function columnIndex(header: readonly string[], name: string, path: string, role: string): number {
  const index = header.findIndex((column) => column.trim() === name);
  if (index < 0) {
    throw new StatsInputError(
      `${role} column "${name}" is not in ${path}; its columns are: ${header.map((column) => column.trim()).join(', ')}`,
    );
  }
  return index;
}

/** Time and event columns of one curve, grown as the CSV is read. */
class SurvivalColumns {
  times = new Float64Array(1024);
  events = new Uint8Array(1024);
  length = 0;

  push(time: number, event: 0 | 1): void {
    if (this.length === this.times.length) {
      const times = new Float64Array(this.length * 2);
      times.set(this.times);
      this.times = times;
      const events = new Uint8Array(this.length * 2);
      events.set(this.events);
      this.events = events;
    }
    this.times[this.length] = time;
    this.events[this.length] = event;
    this.length++;
  }

  fit(options: KaplanMeierOptions): KaplanMeierFit {
    return kaplanMeierColumns(
      this.times.subarray(0, this.length),
      this.events.subarray(0, this.length),
      options,
    );
  }
}

/** A bad value in data record `record`; its line is looked up once reading has stopped. */
class BadValue extends Error {
  constructor(
    readonly record: number,
    readonly describe: (line: number) => string,
  ) {
    super('bad value');
  }
}

function parseTime(text: string | undefined, record: number, column: string): number {
  const trimmed = (text ?? '').trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value) || value < 0) {
    throw new BadValue(
      record,
      (line) => `line ${line}: time column "${column}" must be a non-negative number, got "${trimmed}"`,
    );
  }
  return value;
}

function parseEvent(text: string | undefined, record: number, column: string): 0 | 1 {
  const trimmed = (text ?? '').trim();
  if (trimmed === '0' || trimmed === '1') return trimmed === '1' ? 1 : 0;
  throw new BadValue(
    record,
    (line) => `line ${line}: event column "${column}" must be 1 (event) or 0 (censored), got "${trimmed}"`,
  );
}

/**
 * Streams the data rows of a CSV file with a header row, each row's time, event, group ('' without a
 * group column) and stratum ('' without one) handed to `onRow`. Input mistakes (a missing column,
 * a bad value with its line, a CSV syntax error, an empty file) are StatsInputErrors.
 */
async function streamSurvivalRows(
  path: string,
  columns: { time: string; event: string; group?: string; strata?: string },
  onRow: (time: number, event: 0 | 1, group: string, stratum: string) => void,
): Promise<void> {
  checkInputFile(path, 'a CSV file with a header row', 'text');
  let indexes: { time: number; event: number; group: number; strata: number } | undefined;
  let rows = 0;
  const optional = (name: string | undefined, fields: readonly string[], role: string) =>
    name === undefined ? -1 : columnIndex(fields, name, path, role);
  const text = (fields: readonly string[], index: number) => (index < 0 ? '' : (fields[index] ?? '').trim());
  try {
    await streamCsv(path, (fields, record) => {
      if (!indexes) {
        indexes = {
          time: columnIndex(fields, columns.time, path, 'time'),
          event: columnIndex(fields, columns.event, path, 'event'),
          group: optional(columns.group, fields, 'group'),
          strata: optional(columns.strata, fields, 'strata'),
        };
        return;
      }
      rows++;
      onRow(
        parseTime(fields[indexes.time], record, columns.time),
        parseEvent(fields[indexes.event], record, columns.event),
        text(fields, indexes.group),
        text(fields, indexes.strata),
      );
    });
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new StatsInputError(`${path}: ${error.message}`);
    if (error instanceof BadValue) {
      throw new StatsInputError(error.describe(recordLine(readFileSync(path, 'utf8'), error.record)));
    }
    throw error;
  }
  if (!indexes) throw new StatsInputError(`${path} is empty: expected a header row and data rows`);
  if (rows === 0) throw new StatsInputError(`${path} has a header but no data rows`);
}

/**
 * Reads time, event and optional group columns from a CSV file with a header row, streamed into
 * one pair of columns per group (in code-point order of the labels, as `kaplanMeierByGroup`).
 */
export async function readSurvivalCsv(
  path: string,
  columns: { time: string; event: string; group?: string },
): Promise<{ group: string; data: SurvivalColumns }[]> {
  const groups = new Map<string, SurvivalColumns>();
  await streamSurvivalRows(path, columns, (time, event, group) => {
    let data = groups.get(group);
    if (!data) {
      data = new SurvivalColumns();
      groups.set(group, data);
    }
    data.push(time, event);
  });
  return [...groups.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((group) => ({ group, data: groups.get(group) as SurvivalColumns }));
}

function parseConfLevel(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 1)) {
    throw new StatsInputError(
      `--conf-level must be a number strictly between 0 and 1 (e.g. 0.95), got "${text}"`,
    );
  }
  return value;
}

/** JSON summary of one curve; Infinity (standard error after S reaches 0) is written as null. */
function fitJson(group: string | null, fit: KaplanMeierFit) {
  return {
    group,
    n: fit.n,
    events: fit.events,
    times: fit.rows.map((row) => row.time),
    nRisk: fit.rows.map((row) => row.nRisk),
    nEvent: fit.rows.map((row) => row.nEvent),
    nCensor: fit.rows.map((row) => row.nCensor),
    survival: fit.rows.map((row) => row.surv),
    stdErr: fit.rows.map((row) => (Number.isFinite(row.stdErr) ? row.stdErr : null)),
    lower: fit.rows.map((row) => row.lower),
    upper: fit.rows.map((row) => row.upper),
    median: fit.median,
  };
}

/** `exotrial stats km`: the fits as JSON on standard output. */
export async function km(options: KmCommandOptions): Promise<void> {
  const confLevel = parseConfLevel(options.confLevel);
  const groups = await readSurvivalCsv(options.csv, options);
  const settings = { confType: options.confType, confLevel };
  const fits = groups.map(({ group, data }) =>
    fitJson(options.group === undefined ? null : group, data.fit(settings)),
  );
  const output = { method: 'kaplan-meier', confType: options.confType, confLevel, groups: fits };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

interface ComparisonCommandOptions {
  csv: string;
  time: string;
  event: string;
  group: string;
  strata?: string;
}

/** Time, event, group and optional stratum of every data row of a CSV file with a header row. */
async function readSurvivalRecords(
  path: string,
  columns: ComparisonCommandOptions,
): Promise<SurvivalRecords> {
  const time: number[] = [];
  const event: number[] = [];
  const group: string[] = [];
  const strata: string[] = [];
  await streamSurvivalRows(path, columns, (rowTime, rowEvent, rowGroup, stratum) => {
    time.push(rowTime);
    event.push(rowEvent);
    group.push(rowGroup);
    strata.push(stratum);
  });
  const groups = new Set(group);
  if (groups.size < 2) {
    throw new StatsInputError(
      `group column "${columns.group}" has ${groups.size === 0 ? 'no' : 'only one'} group (${[...groups].join(', ')}): a comparison needs two or more`,
    );
  }
  return columns.strata === undefined ? { time, event, group } : { time, event, group, strata };
}

/** `exotrial stats logrank`: the log-rank test as JSON on standard output. */
export async function logrank(options: ComparisonCommandOptions): Promise<void> {
  const records = await readSurvivalRecords(options.csv, options);
  const result = logRank(records);
  const output = {
    method: 'log-rank',
    stratified: options.strata !== undefined,
    groups: result.levels.map((level, index) => ({
      group: level,
      n: result.n[index],
      observed: result.observed[index],
      expected: result.expected[index],
    })),
    variance: result.variance,
    chisq: result.chisq,
    df: result.df,
    pValue: result.pValue,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

/** `exotrial stats cox`: the Cox model of the groups against the reference as JSON on standard output. */
export async function cox(
  options: ComparisonCommandOptions & { reference?: string; confLevel: string },
): Promise<void> {
  const confLevel = parseConfLevel(options.confLevel);
  const records = await readSurvivalRecords(options.csv, options);
  let fit: ReturnType<typeof coxProportionalHazards>;
  try {
    fit = coxProportionalHazards(records, { reference: options.reference, confLevel });
  } catch (error) {
    if (error instanceof CoxModelError) throw new StatsInputError(error.message);
    throw error;
  }
  const output = {
    method: 'cox-proportional-hazards',
    ties: 'efron',
    stratified: options.strata !== undefined,
    reference: fit.reference,
    confLevel,
    n: fit.n,
    events: fit.events,
    coefficients: fit.levels.map((level, index) => ({
      group: level,
      coef: fit.coef[index],
      se: fit.se[index],
      hazardRatio: fit.hazardRatio[index],
      lower: fit.lower[index],
      upper: fit.upper[index],
      z: fit.z[index],
      pValue: fit.pValue[index],
    })),
    loglik: fit.loglik,
    likelihoodRatio: fit.likelihoodRatio,
    wald: fit.wald,
    score: fit.score,
    iterations: fit.iterations,
    converged: fit.converged,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}
