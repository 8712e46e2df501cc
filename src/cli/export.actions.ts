import { join } from 'node:path';
import { systemActor } from '../audit/audit.schema.ts';
import type { Database } from '../db/connection.ts';
import type { CsvCells } from '../exchange/csv.ts';
import { recordExport } from '../exchange/export-audit.ts';
import { exportFhirBundle } from '../exchange/fhir/fhir-bundle.ts';
import { exportOdm } from '../exchange/odm/odm-export.ts';
import type { PrivacyOptions } from '../exchange/privacy.ts';
import { writeFileWhole, writeFolderWhole } from '../exchange/publish.ts';
import { redcapDataCsv, redcapDictionary, redcapDictionaryCsv } from '../exchange/redcap/redcap-export.ts';
import { exportSdtmDirectory } from '../exchange/sdtm/sdtm-files.ts';
import { fileSink } from '../exchange/stream-file.ts';
import { unplacedValuesOfStudy, unplacedValuesUnderOwnVersion } from '../exchange/unplaced-values.ts';
import { siteProtocols } from '../protocol/site-version.ts';
import { unplacedText } from '../protocol/version-union.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { checkOutputFile, checkOutputFolder } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

interface PrivacyFlags {
  includeIdentifiers?: boolean;
  shiftDates?: string;
}

interface RawFlag {
  raw?: boolean;
}

const cellsOf = (flags: RawFlag): CsvCells => (flags.raw === true ? 'raw' : 'spreadsheet');

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

/**
 * Saved values that no protocol version defines, so no export can place them (for ODM, whose data
 * are described by their own version's metadata: values their own version does not define): each is
 * named on stderr, and their count goes into the export's audit event (as the HTTP downloads do).
 */
async function unplacedNotice(
  database: Database,
  studyId: string,
  underOwnVersion = false,
): Promise<{ unplacedValues?: number }> {
  const values = await database.read(async (db) => {
    const protocols = await siteProtocols(db, studyId);
    return underOwnVersion
      ? unplacedValuesUnderOwnVersion(db, studyId, protocols)
      : unplacedValuesOfStudy(db, studyId, protocols.union());
  });
  const why = underOwnVersion ? 'its protocol version does not define it' : 'no protocol version defines it';
  for (const value of values) process.stderr.write(`not placed (${why}): ${unplacedText(value)}\n`);
  return values.length === 0 ? {} : { unplacedValues: values.length };
}

export const exportOdmFile = async (
  options: DatabaseOptions & PrivacyFlags & { out: string; metadataOnly?: boolean },
) => {
  checkOutputFile(options.out, 'the ODM file');
  const privacy = privacyOf(options);
  await withStudyDatabase(options, async (database, studyId) => {
    const unplaced = options.metadataOnly ? {} : await unplacedNotice(database, studyId, true);
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
          { bytes: written, ...unplaced },
        );
        return written;
      },
      '--out',
    );
    process.stderr.write(`Wrote ${options.out} (${bytes} bytes)\n`);
  });
};

export const exportSdtm = async (
  options: DatabaseOptions & PrivacyFlags & RawFlag & { out: string; format: string },
) => {
  if (options.format !== 'xpt' && options.format !== 'csv') {
    throw new CliUserError(`--format must be xpt or csv, not "${options.format}".`);
  }
  const format = options.format;
  checkOutputFolder(options.out, 'the SDTM files');
  const privacy = privacyOf(options);
  await withStudyDatabase(options, async (database, studyId) => {
    let progressShown = false;
    const csvCells = cellsOf(options);
    const unplaced = await unplacedNotice(database, studyId);
    const result = await exportSdtmDirectory(database, studyId, options.out, {
      format,
      privacy,
      csvCells,
      // The command acts as the study's operator, a blinded role: a randomised study's DM leaves arms out.
      reader: cliCaller('export sdtm').user,
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
          ...unplaced,
        }),
    }).finally(() => {
      // The progress line ends, so a message that follows has its own line.
      if (progressShown) process.stderr.write('\n');
    });
    for (const file of result.files)
      process.stdout.write(`${file.domain}\t${file.rows} rows\t${file.file}\n`);
    process.stdout.write(`define\t\t${result.define}\n`);
  });
};

export const exportFhir = async (options: DatabaseOptions & PrivacyFlags & { out: string }) => {
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
};

export const exportRedcap = async (options: DatabaseOptions & PrivacyFlags & RawFlag & { out: string }) => {
  checkOutputFolder(options.out, 'the REDCap files');
  const privacy = privacyOf(options);
  const cells = cellsOf(options);
  await withStudyDatabase(options, async (database, studyId) => {
    const unplaced = await unplacedNotice(database, studyId);
    await writeFolderWhole(
      options.out,
      async (folder) => {
        await writeChunks(join(folder, 'data-dictionary.csv'), redcapDictionaryCsv(database, studyId, cells));
        const bytes = await writeChunks(
          join(folder, 'data.csv'),
          redcapDataCsv(database, studyId, { privacy, cells }),
        );
        await recordExport(database, studyId, actor(), 'redcap', privacy, {
          bytes,
          csvCells: cells,
          ...unplaced,
        });
      },
      { option: '--out' },
    );
    const dictionaryFile = join(options.out, 'data-dictionary.csv');
    const dataFile = join(options.out, 'data.csv');
    const protocol = await database.read(async (db) => (await siteProtocols(db, studyId)).union());
    for (const note of redcapDictionary(protocol).notes) process.stderr.write(`not in REDCap: ${note}\n`);
    process.stdout.write(`dictionary\t${dictionaryFile}\ndata\t${dataFile}\n`);
  });
};
