import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import { systemActor } from '../audit/audit.schema.ts';
import { DomainError } from '../kernel/errors.ts';
import type { ExcursionView } from '../product/product.schema.ts';
import { importTemperatures } from '../product/temperature-import.service.ts';
import { CliUserError, EXIT_USER_ERROR } from './cli-errors.ts';
import { checkInputFile, namingFile } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ImportCommandOptions = DatabaseOptions & { quiet?: boolean; skipBadRows?: boolean };

function describeExcursion(excursion: ExcursionView): string {
  const span = `${excursion.startedAt} → ${excursion.endedAt ?? 'ongoing'} (${Math.round(excursion.minutes)} min`;
  return excursion.kind === 'data_gap'
    ? `Data gap ${span} without readings): ${excursion.vialsQuarantined} vials quarantined.`
    : `Excursion ${span}, ${excursion.minCelsius}…${excursion.maxCelsius} °C): ${excursion.vialsQuarantined} vials quarantined.`;
}

/** The bad rows of a file the import refused whole, or null for any other failure. */
function refusedRows(error: unknown): Array<{ line: number; message: string }> | null {
  if (!(error instanceof DomainError) || error.code !== 'validation_failed') return null;
  const badRows = (error.details as { badRows?: unknown } | undefined)?.badRows;
  return Array.isArray(badRows) ? (badRows as Array<{ line: number; message: string }>) : null;
}

export const importTemperatureLog = async (
  unitArgument: string,
  file: string,
  options: ImportCommandOptions,
) => {
  const size = checkInputFile(file, "a data logger's CSV file");
  const result = await withStudyDatabase(options, async (database, studyId) => {
    const unit = await database.read((db) =>
      db
        .selectFrom('storage_unit')
        .select(['unit_id', 'code'])
        .where('study_id', '=', studyId)
        .where((eb) =>
          UUID.test(unitArgument) ? eb('unit_id', '=', unitArgument) : eb('code', '=', unitArgument),
        )
        .executeTakeFirst(),
    );
    if (!unit) throw new CliUserError(`There is no storage unit ${unitArgument}.`);
    const showBar = !options.quiet && process.stderr.isTTY;
    const bar = new SingleBar({
      format: `${unit.code} {phase} [{bar}] {percentage}% | {rows} rows | {rate} rows/s | bad {bad}`,
      stream: process.stderr,
      noTTYOutput: false,
    });
    const started = Date.now();
    let bytes = 0;
    if (showBar) bar.start(size, 0, { phase: 'checking', rows: 0, rate: 0, bad: 0 });
    let rowsChecked = 0;
    // Bytes are counted as the importer pulls them. A 'data' listener here would start the stream
    // flowing before the importer reads it (it first looks the unit up), and the first chunks, the
    // header among them, would be lost.
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    const counted = (async function* () {
      for await (const chunk of stream) {
        bytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    })();
    try {
      return await importTemperatures(
        database,
        studyId,
        systemActor(`cli (${process.env.USER ?? 'unknown'})`),
        unit.unit_id,
        counted,
        {
          fileName: basename(file),
          skipBadRows: options.skipBadRows === true,
          onProgress: (progress) => {
            const seconds = Math.max(0.001, (Date.now() - started) / 1000);
            if (!showBar) return;
            // Checking reads the file (progress in bytes); writing reads the checked copy (in rows).
            if (progress.phase === 'checking') rowsChecked = progress.rowsRead;
            else if (bar.getTotal() !== rowsChecked) bar.setTotal(rowsChecked);
            bar.update(progress.phase === 'checking' ? bytes : progress.rowsRead, {
              phase: progress.phase,
              rows: progress.rowsRead,
              rate: Math.round(progress.rowsRead / seconds),
              bad: progress.rowsBad,
            });
          },
        },
      );
    } catch (error) {
      // A refused file's bad rows are listed one a line, as the import's answer lists them.
      const badRows = refusedRows(error);
      if (badRows) return { refused: `${file}: ${(error as Error).message}`, badRows };
      throw namingFile(file, error);
    } finally {
      if (showBar) bar.stop();
    }
  });
  if ('refused' in result) {
    process.stderr.write(
      `${[result.refused, ...result.badRows.map((row) => `  line ${row.line}: ${row.message}`)].join('\n')}\n`,
    );
    process.exitCode = EXIT_USER_ERROR;
    return;
  }
  const lines = [
    `Imported ${result.rowsImported} of ${result.rowsRead} rows into the log (${result.rowsDuplicate} already present, ${result.rowsBad} bad).`,
    ...(result.firstAt ? [`Readings from ${result.firstAt} to ${result.lastAt}.`] : []),
    ...result.badRows.map((row) => `  line ${row.line}: ${row.message}`),
    ...(result.rowsBad > result.badRows.length
      ? [`  … and ${result.rowsBad - result.badRows.length} more bad rows.`]
      : []),
    ...(result.rowsBad > 0
      ? [
          'The bad rows were skipped. Correct them and import the file again: readings already in the log are counted as already present.',
        ]
      : []),
    ...result.excursions.map(describeExcursion),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (result.rowsBad > 0) process.exitCode = EXIT_USER_ERROR;
};
