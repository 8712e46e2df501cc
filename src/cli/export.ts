import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { systemActor } from '../audit/audit.schema.ts';
import { recordExport } from '../exchange/export-audit.ts';
import { exportFhirBundle } from '../exchange/fhir/fhir-bundle.ts';
import { exportOdm } from '../exchange/odm/odm-export.ts';
import type { PrivacyOptions } from '../exchange/privacy.ts';
import { redcapDataCsv, redcapDictionary, redcapDictionaryCsv } from '../exchange/redcap/redcap-export.ts';
import { exportSdtmDirectory } from '../exchange/sdtm/sdtm-files.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { CliUserError } from './cli-errors.ts';
import { checkOutputFile, checkOutputFolder } from './cli-files.ts';
import { type DatabaseOptions, withDataOption, withStudyDatabase } from './database-options.ts';

interface PrivacyFlags {
  includeIdentifiers?: boolean;
  shiftDates?: string;
}

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

async function writeChunks(path: string, chunks: AsyncIterable<string>): Promise<number> {
  const out: Writable = createWriteStream(path);
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  out.end();
  await finished(out);
  return bytes;
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
      const bytes = await writeChunks(
        options.out,
        exportOdm(database, studyId, { metadataOnly: options.metadataOnly === true, privacy }),
      );
      await recordExport(database, studyId, actor(), options.metadataOnly ? 'odm-metadata' : 'odm', privacy, {
        bytes,
      });
      process.stderr.write(`Wrote ${options.out} (${bytes} bytes)\n`);
    });
  });

  withPrivacyOptions(
    withDataOption(
      exportCommand
        .command('sdtm')
        .description('SDTM domains DM DS SV EX AE CM MH VS LB TS TA TV and define.xml')
        .option('--format <format>', 'xpt (SAS XPORT version 5) or csv', 'xpt')
        .requiredOption(
          '--out <dir>',
          'the folder to write into (created if missing; its parent must exist)',
        ),
    ),
  ).action(async (options: DatabaseOptions & PrivacyFlags & { out: string; format: string }) => {
    if (options.format !== 'xpt' && options.format !== 'csv') {
      throw new CliUserError(`--format must be xpt or csv, not "${options.format}".`);
    }
    const format = options.format;
    checkOutputFolder(options.out, 'the SDTM files');
    const privacy = privacyOf(options);
    await withStudyDatabase(options, async (database, studyId) => {
      const result = await exportSdtmDirectory(database, studyId, options.out, {
        format,
        privacy,
        onProgress: (progress) =>
          process.stderr.write(
            `\r${progress.phase} ${progress.subjectsDone}/${progress.subjectsTotal} participants`,
          ),
      });
      process.stderr.write('\n');
      await recordExport(database, studyId, actor(), format === 'xpt' ? 'sdtm-xpt' : 'sdtm-csv', privacy, {
        rows: Object.fromEntries(result.files.map((file) => [file.domain, file.rows])),
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
      const bytes = await writeChunks(options.out, exportFhirBundle(database, studyId, { privacy }));
      await recordExport(database, studyId, actor(), 'fhir', privacy, { bytes });
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
        .requiredOption(
          '--out <dir>',
          'the folder to write into (created if missing; its parent must exist)',
        ),
    ),
  ).action(async (options: DatabaseOptions & PrivacyFlags & { out: string }) => {
    checkOutputFolder(options.out, 'the REDCap files');
    const privacy = privacyOf(options);
    await withStudyDatabase(options, async (database, studyId) => {
      mkdirSync(options.out, { recursive: true });
      const dictionaryFile = join(options.out, 'data-dictionary.csv');
      const dataFile = join(options.out, 'data.csv');
      await writeChunks(dictionaryFile, redcapDictionaryCsv(database, studyId));
      const bytes = await writeChunks(dataFile, redcapDataCsv(database, studyId, { privacy }));
      await recordExport(database, studyId, actor(), 'redcap', privacy, { bytes });
      const { protocol } = await database.read((db) => currentProtocol(db, studyId));
      for (const note of redcapDictionary(protocol).notes) process.stderr.write(`not in REDCap: ${note}\n`);
      process.stdout.write(`dictionary\t${dictionaryFile}\ndata\t${dataFile}\n`);
    });
  });
}
