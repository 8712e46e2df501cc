import type { Database } from '../../db/connection.ts';
import { DomainError } from '../../kernel/errors.ts';
import { subjectBatches } from '../source.ts';
import { valueProblem } from '../xpt/xpt-writer.ts';
import {
  batchRows,
  type LengthTable,
  type SdtmFormat,
  type SdtmProgress,
  type SdtmStudy,
  subjectDomainsOf,
} from './sdtm-export.ts';
import { datasetDefinition, suppCodeOf, XPT_TEXT_LIMIT } from './supplemental.ts';
import {
  isSuppCode,
  isTrialDesignCode,
  type SdtmDatasetCode,
  type SdtmRow,
  type SubjectDomainCode,
  sdtmDomainCodes,
} from './variables.ts';

// The first pass of every SDTM export, made before a byte is written: it builds every row, counts the
// rows of each data set, measures each character variable and, for transport files, checks that every
// value can be written. An export that cannot be complete is refused here, naming what stops it,
// rather than discovered half-way through a reply that has already said 200.

export interface SdtmPlan {
  format: SdtmFormat;
  /** The data sets to write, in order; with `all`, each domain's SUPP-- follows it when it has records. */
  datasets: SdtmDatasetCode[];
  /** Rows each data set holds: the writer must write exactly these. */
  rows: Map<SdtmDatasetCode, number>;
  lengths: LengthTable;
  /** Variables continued in SUPP-- (XPT), with the most pieces a value needed there. */
  continued: Map<SubjectDomainCode, Map<string, number>>;
}

export interface SdtmPlanOptions {
  format: SdtmFormat;
  /** The data sets asked for, or every domain with the SUPP-- data sets the data needs. */
  datasets: readonly SdtmDatasetCode[] | 'all';
  onProgress?: (progress: SdtmProgress) => void;
  batchSize?: number;
}

const shown = (value: unknown) => {
  const text = String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

/** The 422 for a value a transport file cannot hold: which data set, variable, participant and value. */
export function unwritableValue(
  code: SdtmDatasetCode,
  variable: string,
  row: SdtmRow,
  value: unknown,
  problem: string,
): DomainError {
  const participant = typeof row.USUBJID === 'string' ? row.USUBJID : null;
  const whose = participant ? `participant ${participant}` : 'the trial design (from the protocol)';
  return new DomainError(
    'export_unwritable',
    `${code}.${variable} of ${whose} cannot be written to a SAS transport file (${problem}): "${shown(value)}". ` +
      'Correct the value, or take the CSV export, which has no such limit.',
    { dataset: code, variable, participant, value: shown(value), problem },
  );
}

function measure(lengths: LengthTable, code: SdtmDatasetCode, rows: readonly SdtmRow[]): void {
  const table = lengths.get(code) ?? new Map<string, number>();
  lengths.set(code, table);
  for (const variable of datasetDefinition(code).variables) {
    if (variable.type !== 'char') continue;
    let longest = table.get(variable.name) ?? 1;
    for (const row of rows) {
      const value = row[variable.name];
      if (value === null || value === undefined) continue;
      const text = String(value);
      const bytes = text.length * 3 <= longest ? text.length : Buffer.byteLength(text, 'utf8');
      if (bytes > longest) longest = bytes;
    }
    table.set(variable.name, longest);
  }
}

/** Throws the 422 for the first value of `rows` a transport file cannot hold. */
function checkWritable(code: SdtmDatasetCode, rows: readonly SdtmRow[]): void {
  const variables = datasetDefinition(code).variables;
  for (const row of rows) {
    for (const variable of variables) {
      const value = row[variable.name];
      const problem = valueProblem(variable, value, XPT_TEXT_LIMIT);
      if (problem) throw unwritableValue(code, variable.name, row, value, problem);
    }
  }
}

function requestedDatasets(options: SdtmPlanOptions): readonly SdtmDatasetCode[] {
  if (options.datasets === 'all') return sdtmDomainCodes;
  const supp = options.datasets.find(isSuppCode);
  if (options.format === 'csv' && supp) {
    throw new DomainError(
      'bad_request',
      `${supp} exists only in the XPT export: CSV has no length limit and keeps the whole text in ${supp.slice(4)}.`,
    );
  }
  return options.datasets;
}

/** The order of the data sets written: each domain followed by its SUPP-- when that has records. */
function datasetsToWrite(
  requested: readonly SdtmDatasetCode[],
  all: boolean,
  rows: Map<SdtmDatasetCode, number>,
): SdtmDatasetCode[] {
  if (!all) return [...requested];
  return requested.flatMap((code) => {
    if (isTrialDesignCode(code) || isSuppCode(code)) return [code];
    const supp = suppCodeOf(code);
    return (rows.get(supp) ?? 0) > 0 ? [code, supp] : [code];
  });
}

/** Counts, measures and checks every row of the data sets asked for (see the note at the top). */
export async function planSdtm(
  database: Database,
  studyId: string,
  study: SdtmStudy,
  options: SdtmPlanOptions,
): Promise<SdtmPlan> {
  const requested = requestedDatasets(options);
  const rows = new Map<SdtmDatasetCode, number>();
  const lengths: LengthTable = new Map();
  const continued = new Map<SubjectDomainCode, Map<string, number>>();
  const take = (code: SdtmDatasetCode, list: readonly SdtmRow[]) => {
    if (options.format === 'xpt') checkWritable(code, list);
    rows.set(code, (rows.get(code) ?? 0) + list.length);
    measure(lengths, code, list);
  };
  for (const code of requested) if (isTrialDesignCode(code)) take(code, study.trialDesign[code]);
  const subjectDomains = subjectDomainsOf(requested);
  for (const code of subjectDomains) {
    take(code, []);
    if (options.format === 'xpt') take(suppCodeOf(code), []);
  }
  if (subjectDomains.length > 0) {
    let done = 0;
    for await (const batch of subjectBatches(
      database,
      studyId,
      study.context.protocol.safety.adverseEvents.form,
      options.batchSize,
    )) {
      const built = batchRows(study, batch, subjectDomains, options.format);
      for (const [code, list] of built.rows) take(code, list);
      for (const [code, variables] of built.continued) {
        const seen = continued.get(code) ?? new Map<string, number>();
        for (const [variable, pieces] of variables)
          seen.set(variable, Math.max(seen.get(variable) ?? 0, pieces));
        continued.set(code, seen);
      }
      done += batch.length;
      options.onProgress?.({ phase: 'measuring', subjectsDone: done, subjectsTotal: study.subjects });
    }
  }
  return {
    format: options.format,
    datasets: datasetsToWrite(requested, options.datasets === 'all', rows),
    rows,
    lengths,
    continued,
  };
}
