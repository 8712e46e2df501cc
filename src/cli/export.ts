import { join } from 'node:path';
import type { Command } from 'commander';
import { systemActor } from '../audit/audit.schema.ts';
import type { CsvCells } from '../exchange/csv.ts';
import { recordExport } from '../exchange/export-audit.ts';
import { exportFhirBundle } from '../exchange/fhir/fhir-bundle.ts';
import { exportOdm } from '../exchange/odm/odm-export.ts';
import type { PrivacyOptions } from '../exchange/privacy.ts';
import { writeFileWhole, writeFolderWhole } from '../exchange/publish.ts';
import { redcapDataCsv, redcapDictionary, redcapDictionaryCsv } from '../exchange/redcap/redcap-export.ts';
import { exportSdtmDirectory } from '../exchange/sdtm/sdtm-files.ts';
import { fileSink } from '../exchange/stream-file.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { CliUserError } from './cli-errors.ts';
import { checkOutputFile, checkOutputFolder } from './cli-files.ts';
import { type DatabaseOptions, withDataOption, withStudyDatabase } from './database-options.ts';

interface PrivacyFlags {
  includeIdentifiers?: boolean;
  shiftDates?: string;
}

interface RawFlag {
  raw?: boolean;
}

const RAW_HELP =
  "CSV: write every value exactly (by default a text cell a spreadsheet would run as a formula gets a leading ')";
const cellsOf = (flags: RawFlag): CsvCells => (flags.raw === true ? 'raw' : 'spreadsheet');

const withPrivacyOptions = (command: Command) =>
  command
    .option('--include-identifiers', 'keep direct identifiers (dates of birth); left out by default')
    .option(
      '--shift-dates <key>',
      "move each participant's dates by 1–180 days derived from this secret key",
    );

function privacyOf(flags: PrivacyFlags): PrivacyOptions {
  if (flags.shiftDates !== undefined && flags.shiftDates.length < 8) {
    throw new CliUserError(
      '--shift-dates needs a secret key of at least 8 characters (keep it to repeat the same shift).',
    );
  }
  return { includeIdentifiers: flags.includeIdentifiers === true, dateShiftKey: flags.shiftDates ?? null };
}

/** One writer for every exported file: created 0600, waiting for the disk when its buffer is full. */
async function writeChunks(path: string, chunks: AsyncIterable<string>): Promise<number> {
  const sink = fileSink(path);
  try {
    for await (const chunk of chunks) await sink.write(chunk);
  } finally {
    await sink.close();
  }
  return sink.bytes;
}

const actor = () => systemActor(`cli (${process.env.USER ?? 'unknown user'})`);

export function registerExportCommand(program: Command): void {
  const exportCommand = program
    .command('export')
    .description('export the trial as CDISC ODM, SDTM (SAS XPORT or CSV), a FHIR R4 Bundle or REDCap CSV');

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('odm')
        .description(
          'CDISC ODM 1.3.2: the protocol metadata and the clinical data with audit records and signatures',
        )
        .option('--metadata-only', 'only the protocol metadata (forms, items, code lists, checks)')
        .requiredOption('--out <file>', 'the XML file to write'),
    ),
  ).action(async (options: DatabaseOptions & PrivacyFlags & { out: string; metadataOnly?: boolean }) => {
    checkOutputFile(options.out, 'the ODM file');
    const privacy = privacyOf(options);
    await withStudyDatabase(options, async (database, studyId) => {
      // Written whole under a temporary name and renamed when complete: a failed export leaves nothing.
      const bytes = await writeFileWhole(
        options.out,
        async (path) => {
          const written = await writeChunks(
            path,
            exportOdm(database, studyId, { metadataOnly: options.metadataOnly === true, privacy }),
          );
          await recordExport(
            database,
            studyId,
            actor(),
            options.metadataOnly ? 'odm-metadata' : 'odm',
            privacy,
            { bytes: written },
          );
          return written;
        },
        '--out',
      );
      process.stderr.write(`Wrote ${options.out} (${bytes} bytes)\n`);
    });
  });

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('sdtm')
        .description('SDTM domains DM DS SV EX AE CM MH VS LB TS TA TV and define.xml')
        .option('--format <format>', 'xpt (SAS XPORT version 5) or csv', 'xpt')
        .option('--raw', RAW_HELP)
        .requiredOption(
          '--out <dir>',
          'the folder to write into (created if missing; its parent must exist); filled only when every data set is complete',
        ),
    ),
  ).action(async (options: DatabaseOptions & PrivacyFlags & RawFlag & { out: string; format: string }) => {
    if (options.format !== 'xpt' && options.format !== 'csv') {
      throw new CliUserError(`--format must be xpt or csv, not "${options.format}".`);
    }
    const format = options.format;
    checkOutputFolder(options.out, 'the SDTM files');
    const privacy = privacyOf(options);
    await withStudyDatabase(options, async (database, studyId) => {
      let progressShown = false;
      const csvCells = cellsOf(options);
      const result = await exportSdtmDirectory(database, studyId, options.out, {
        format,
        privacy,
        csvCells,
        option: '--out',
        onProgress: (progress) => {
          progressShown = true;
          process.stderr.write(
            `\r${progress.phase} ${progress.subjectsDone}/${progress.subjectsTotal} participants`,
          );
        },
        beforePublish: (rows) =>
          recordExport(database, studyId, actor(), format === 'xpt' ? 'sdtm-xpt' : 'sdtm-csv', privacy, {
            rows: Object.fromEntries(rows),
            ...(format === 'csv' ? { csvCells } : {}),
          }),
      }).finally(() => {
        // The progress line ends, so a message that follows has its own line.
        if (progressShown) process.stderr.write('\n');
      });
      for (const file of result.files)
        process.stdout.write(`${file.domain}\t${file.rows} rows\t${file.file}\n`);
      process.stdout.write(`define\t\t${result.define}\n`);
    });
  });

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('fhir')
        .description(
          'FHIR R4 Bundle: ResearchStudy, ResearchSubject, pseudonymised Patient, Consent, Observation, MedicationAdministration, AdverseEvent',
        )
        .requiredOption('--out <file>', 'the JSON file to write'),
    ),
  ).action(async (options: DatabaseOptions & PrivacyFlags & { out: string }) => {
    checkOutputFile(options.out, 'the FHIR Bundle');
    const privacy = privacyOf(options);
    await withStudyDatabase(options, async (database, studyId) => {
      const bytes = await writeFileWhole(
        options.out,
        async (path) => {
          const written = await writeChunks(path, exportFhirBundle(database, studyId, { privacy }));
          await recordExport(database, studyId, actor(), 'fhir', privacy, { bytes: written });
          return written;
        },
        '--out',
      );
      process.stderr.write(`Wrote ${options.out} (${bytes} bytes)\n`);
    });
  });

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('redcap')
        .description(
          "REDCap's data dictionary (data-dictionary.csv) and flat records CSV (data.csv) of a longitudinal project",
        )
        .option('--raw', `${RAW_HELP}; use it for REDCap's data import tool`)
        .requiredOption(
          '--out <dir>',
          'the folder to write into (created if missing; its parent must exist); filled only when both files are complete',
        ),
    ),
  ).action(async (options: DatabaseOptions & PrivacyFlags & RawFlag & { out: string }) => {
    checkOutputFolder(options.out, 'the REDCap files');
    const privacy = privacyOf(options);
    const cells = cellsOf(options);
    await withStudyDatabase(options, async (database, studyId) => {
      await writeFolderWhole(
        options.out,
        async (folder) => {
          await writeChunks(
            join(folder, 'data-dictionary.csv'),
            redcapDictionaryCsv(database, studyId, cells),
          );
          const bytes = await writeChunks(
            join(folder, 'data.csv'),
            redcapDataCsv(database, studyId, { privacy, cells }),
          );
          await recordExport(database, studyId, actor(), 'redcap', privacy, { bytes, csvCells: cells });
        },
        { option: '--out' },
      );
      const dictionaryFile = join(options.out, 'data-dictionary.csv');
      const dataFile = join(options.out, 'data.csv');
      const { protocol } = await database.read((db) => currentProtocol(db, studyId));
      for (const note of redcapDictionary(protocol).notes) process.stderr.write(`not in REDCap: ${note}\n`);
      process.stdout.write(`dictionary\t${dictionaryFile}\ndata\t${dataFile}\n`);
    });
  });
}
