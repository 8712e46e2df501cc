import { CsvSyntaxError, parseCsv } from '../analysis/csv.ts';
import {
  type ConfType,
  type KaplanMeierFit,
  kaplanMeier,
  kaplanMeierByGroup,
} from '../analysis/kaplan-meier.ts';
import { CliUserError } from './cli-errors.ts';
import { readTextInput } from './cli-files.ts';

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

interface SurvivalRow {
  time: number;
  event: 0 | 1;
  group: string;
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

function parseTime(text: string | undefined, line: number, column: string): number {
  const trimmed = (text ?? '').trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value) || value < 0) {
    throw new StatsInputError(
      `line ${line}: time column "${column}" must be a non-negative number, got "${trimmed}"`,
    );
  }
  return value;
}

function parseEvent(text: string | undefined, line: number, column: string): 0 | 1 {
  const trimmed = (text ?? '').trim();
  if (trimmed === '0' || trimmed === '1') return trimmed === '1' ? 1 : 0;
  throw new StatsInputError(
    `line ${line}: event column "${column}" must be 1 (event) or 0 (censored), got "${trimmed}"`,
  );
}

/** Reads time, event and optional group columns from a CSV file with a header row. */
export function readSurvivalCsv(
  path: string,
  columns: { time: string; event: string; group?: string },
): SurvivalRow[] {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(readTextInput(path, 'a CSV file with a header row'));
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new StatsInputError(`${path}: ${error.message}`);
    throw error;
  }
  const [header, ...body] = records;
  if (!header) throw new StatsInputError(`${path} is empty: expected a header row and data rows`);
  const timeIndex = columnIndex(header.fields, columns.time, path, 'time');
  const eventIndex = columnIndex(header.fields, columns.event, path, 'event');
  const groupIndex =
    columns.group === undefined ? -1 : columnIndex(header.fields, columns.group, path, 'group');
  if (body.length === 0) throw new StatsInputError(`${path} has a header but no data rows`);
  return body.map(({ line, fields }) => ({
    time: parseTime(fields[timeIndex], line, columns.time),
    event: parseEvent(fields[eventIndex], line, columns.event),
    group: groupIndex < 0 ? '' : (fields[groupIndex] ?? '').trim(),
  }));
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
export function km(options: KmCommandOptions): void {
  const confLevel = parseConfLevel(options.confLevel);
  const rows = readSurvivalCsv(options.csv, options);
  const settings = { confType: options.confType, confLevel };
  const groups =
    options.group === undefined
      ? [fitJson(null, kaplanMeier(rows, settings))]
      : kaplanMeierByGroup(rows, settings).map(({ group, fit }) => fitJson(group, fit));
  const output = { method: 'kaplan-meier', confType: options.confType, confLevel, groups };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}
