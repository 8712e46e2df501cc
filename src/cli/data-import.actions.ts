import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { type ColumnMapping, parseMapping } from '../import/column-mapping.ts';
import { type ImportFormat, type ImportResult, importFormats } from '../import/import.schema.ts';
import type { ImportProgress } from '../import/import.service.ts';
import { formatOfName, importFormDataFile } from '../import/import-file.ts';
import { UnreadableSource } from '../import/import-row.ts';
import { csvTemplate } from '../import/template.ts';
import { templateParticipants } from '../import/template-participants.ts';
import { DomainError } from '../kernel/errors.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { cliCaller } from './cli-caller.ts';
import { EXIT_USER_ERROR } from './cli-errors.ts';
import { checkInputFile, checkOutputFile, namingFile } from './cli-files.ts';
import { CliUserError } from './cli-user-error.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

type DataOptions = DatabaseOptions & {
  format?: string;
  dryRun?: boolean;
  skipBadRows?: boolean;
  mapping?: string;
  overrideLocked?: string;
  quiet?: boolean;
};

function formatOf(file: string, given: string | undefined): ImportFormat {
  if (given === undefined) return formatOfName(file);
  if ((importFormats as readonly string[]).includes(given)) return given as ImportFormat;
  throw new CliUserError(`--format ${given} is not a format of the import: use csv, xlsx, odm or redcap.`);
}

function mappingOf(path: string | undefined): ColumnMapping | undefined {
  if (path === undefined) return undefined;
  checkInputFile(path, 'a column mapping (JSON)');
  try {
    return parseMapping(readFileSync(path, 'utf8'));
  } catch (error) {
    if (error instanceof UnreadableSource) throw new CliUserError(`${path}: ${error.message}`);
    throw error;
  }
}

/** The import's answer as lines: the counts, then each problem and change (the first ones). */
function describe(result: ImportResult): string[] {
  const what = result.dryRun ? 'Dry run, nothing written' : result.imported ? 'Imported' : 'Not imported';
  return [
    `${what}: ${result.fileName} (sha-256 ${result.sha256}), ${result.rows} rows, ${result.values} values.`,
    `Records created ${result.recordsCreated}, changed ${result.recordsChanged}; values entered ${result.valuesEntered}, changed ${result.valuesChanged}, unchanged ${result.valuesUnchanged}; edit-check queries opened ${result.queriesOpened}.`,
    ...result.problems.map(
      (problem) =>
        `  line ${problem.line}${problem.column ? ` (${problem.column})` : ''}: ${problem.message}`,
    ),
    ...(result.problemCount > result.problems.length
      ? [`  … and ${result.problemCount - result.problems.length} more problems.`]
      : []),
    ...(result.badLines.length > 0 && result.imported
      ? [`Skipped lines: ${result.badLines.join(', ')}.`]
      : []),
    ...(result.dryRun
      ? result.changes.map(
          (change) =>
            `  line ${change.line}: ${change.participant} ${change.visit} ${change.form}.${change.item}: ${JSON.stringify(change.old)} → ${JSON.stringify(change.new)}`,
        )
      : []),
  ];
}

function progressBar(file: string, quiet: boolean | undefined) {
  const show = !quiet && process.stderr.isTTY;
  const bar = new SingleBar({
    format: `${basename(file)} {phase} [{bar}] {percentage}% | {rows} rows | {values} values | {rate} values/s`,
    stream: process.stderr,
    noTTYOutput: false,
  });
  const started = Date.now();
  let begun = false;
  return {
    update(progress: ImportProgress) {
      if (!show) return;
      const rate = Math.round(progress.values / Math.max(0.001, (Date.now() - started) / 1000));
      const total = Math.max(1, progress.recordsTotal);
      if (!begun) bar.start(total, 0, {});
      begun = true;
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(progress.recordsDone, {
        phase: progress.phase,
        rows: progress.rows,
        values: progress.values,
        rate,
      });
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}

export const importData = async (file: string, options: DataOptions) => {
  const format = formatOf(file, options.format);
  checkInputFile(
    file,
    format === 'xlsx' ? 'an XLSX workbook' : `a ${format.toUpperCase()} file of form data`,
    format === 'xlsx' ? 'zip' : 'text',
  );
  const mapping = mappingOf(options.mapping);
  const bar = progressBar(file, options.quiet);
  const outcome = await withStudyDatabase(options, async (database, studyId) => {
    try {
      return await importFormDataFile(database, studyId, cliCaller('import data'), file, {
        fileName: basename(file),
        format,
        mapping,
        dryRun: options.dryRun === true,
        skipBadRows: options.skipBadRows === true,
        overrideLocked: options.overrideLocked,
        onProgress: (progress) => bar.update(progress),
      });
    } catch (error) {
      const refused = error instanceof DomainError && (error.details as ImportResult | undefined)?.problems;
      if (refused) return { refused: `${file}: ${error.message}`, result: error.details as ImportResult };
      throw namingFile(file, error);
    } finally {
      bar.stop();
    }
  });
  if ('refused' in outcome) {
    process.stderr.write(`${[outcome.refused, ...describe(outcome.result).slice(2)].join('\n')}\n`);
    process.exitCode = EXIT_USER_ERROR;
    return;
  }
  process.stdout.write(`${describe(outcome).join('\n')}\n`);
  if (outcome.problemCount > 0) process.exitCode = EXIT_USER_ERROR;
};

export const importTemplate = async (
  options: DatabaseOptions & { format: string; visit?: string; out?: string },
) => {
  if (options.format !== 'csv')
    throw new CliUserError(`--format ${options.format}: the template is written as csv only.`);
  if (options.out) checkOutputFile(options.out, 'the template');
  const text = await withStudyDatabase(options, (database, studyId) =>
    database.read(async (db) => {
      const { protocol } = await currentProtocol(db, studyId);
      try {
        return csvTemplate(protocol, await templateParticipants(db, studyId), options.visit);
      } catch (error) {
        if (error instanceof UnreadableSource) throw new CliUserError(error.message);
        throw error;
      }
    }),
  );
  if (options.out) writeFileSync(options.out, text);
  else process.stdout.write(text);
};
