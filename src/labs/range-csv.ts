import { parse } from 'csv-parse/sync';
import type { LabItem } from './lab-items.ts';
import { convertUnit, significant } from './units.ts';

export const RANGE_COLUMNS = ['item', 'sex', 'ageLow', 'ageHigh', 'low', 'high', 'unit'] as const;

/** One range of a file, checked and converted to its item's unit. */
export interface ParsedRange {
  line: number;
  itemKey: string;
  sex: 'M' | 'F' | null;
  ageLow: number | null;
  ageHigh: number | null;
  unit: string;
  low: number | null;
  high: number | null;
  standardUnit: string;
  standardLow: number | null;
  standardHigh: number | null;
}

export interface RangeProblem {
  line: number;
  message: string;
}

type Cells = Record<(typeof RANGE_COLUMNS)[number], string>;

/**
 * Reads a site's reference-range file: a header naming the columns item (`labs.alt`, or the item id
 * alone), sex (M, F or blank for either), ageLow and ageHigh (whole years, inclusive, blank for open),
 * low and high (blank for open, not both), unit (one of the item's UCUM units). Every problem is
 * listed by line; overlapping age bands of one item and sex are a problem, as the flag would be ambiguous.
 */
export function parseRangeCsv(
  text: string,
  items: readonly LabItem[],
): { ranges: ParsedRange[]; problems: RangeProblem[] } {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (error) {
    return { ranges: [], problems: [{ line: 1, message: `Not a CSV file: ${(error as Error).message}` }] };
  }
  const [header, ...rows] = records;
  const missing = RANGE_COLUMNS.filter((column) => !header?.includes(column));
  if (!header || missing.length > 0) {
    return {
      ranges: [],
      problems: [
        {
          line: 1,
          message: `The header must name the columns ${RANGE_COLUMNS.join(', ')}; missing ${missing.join(', ')}.`,
        },
      ],
    };
  }
  const ranges: ParsedRange[] = [];
  const problems: RangeProblem[] = [];
  rows.forEach((row, index) => {
    const line = index + 2;
    const cells = Object.fromEntries(
      RANGE_COLUMNS.map((column) => [column, row[header.indexOf(column)] ?? '']),
    ) as Cells;
    const parsed = parseRow(cells, items);
    if (typeof parsed === 'string') problems.push({ line, message: parsed });
    else ranges.push({ line, ...parsed });
  });
  if (rows.length === 0) problems.push({ line: 2, message: 'The file holds no range.' });
  problems.push(...overlaps(ranges));
  problems.sort((a, b) => a.line - b.line);
  return { ranges, problems };
}

const number = (cell: string): number | null | undefined => {
  if (cell === '') return null;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
};

function parseRow(cells: Cells, items: readonly LabItem[]): Omit<ParsedRange, 'line'> | string {
  const lab = items.find((entry) => entry.key === cells.item || entry.item.id === cells.item);
  if (!lab)
    return `'${cells.item}' is not a laboratory item of the protocol (${items.map((entry) => entry.key).join(', ')}).`;
  if (!['', 'M', 'F'].includes(cells.sex)) return `sex must be M, F or blank (either), not '${cells.sex}'.`;
  const [ageLow, ageHigh, low, high] = [cells.ageLow, cells.ageHigh, cells.low, cells.high].map(number);
  if (ageLow === undefined || ageHigh === undefined || !isWholeOrNull(ageLow) || !isWholeOrNull(ageHigh))
    return 'ageLow and ageHigh must be whole years or blank.';
  if (ageLow !== null && ageHigh !== null && ageLow > ageHigh)
    return `ageLow (${ageLow}) is above ageHigh (${ageHigh}).`;
  if (low === undefined || high === undefined) return 'low and high must be numbers or blank.';
  if (low === null && high === null) return 'Give low, high or both.';
  if (low !== null && high !== null && low > high) return `low (${low}) is above high (${high}).`;
  if (!lab.units.includes(cells.unit))
    return `unit '${cells.unit}' is not one of ${lab.key}'s units (${lab.units.join(', ')}).`;
  const standard = (value: number | null) => {
    if (value === null) return null;
    const converted = convertUnit(value, cells.unit, lab.unit, lab.item.molarMass);
    return converted.ok ? significant(converted.value) : null;
  };
  return {
    itemKey: lab.key,
    sex: cells.sex === '' ? null : (cells.sex as 'M' | 'F'),
    ageLow,
    ageHigh,
    unit: cells.unit,
    low,
    high,
    standardUnit: lab.unit,
    standardLow: standard(low),
    standardHigh: standard(high),
  };
}

const isWholeOrNull = (value: number | null) => value === null || (Number.isInteger(value) && value >= 0);

// A banded range and an unbanded one of the same sex may coexist: the band is more specific and wins.
const banded = (range: ParsedRange) => range.ageLow !== null || range.ageHigh !== null;

function overlaps(ranges: readonly ParsedRange[]): RangeProblem[] {
  const problems: RangeProblem[] = [];
  ranges.forEach((range, index) => {
    const earlier = ranges
      .slice(0, index)
      .find(
        (other) =>
          other.itemKey === range.itemKey &&
          other.sex === range.sex &&
          banded(other) === banded(range) &&
          (other.ageLow ?? 0) <= (range.ageHigh ?? Number.POSITIVE_INFINITY) &&
          (range.ageLow ?? 0) <= (other.ageHigh ?? Number.POSITIVE_INFINITY),
      );
    if (earlier) {
      problems.push({
        line: range.line,
        message: `${range.itemKey} for ${range.sex ?? 'either sex'} overlaps the ages of line ${earlier.line}.`,
      });
    }
  });
  return problems;
}
