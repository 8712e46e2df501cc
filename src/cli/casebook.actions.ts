import { writeFileSync } from 'node:fs';
import { blankCrfPdf } from '../casebook/blank-crf.service.ts';
import { participantCasebookPdf } from '../casebook/casebook.service.ts';
import type { PaperLanguage } from '../casebook/casebook-words.ts';
import { OWNER_ONLY_FILE } from '../exchange/stream-file.ts';
import { cliCaller } from './cli-caller.ts';
import { CliUserError } from './cli-errors.ts';
import { checkOutputFile } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

interface PaperOptions extends DatabaseOptions {
  out: string;
  lang: PaperLanguage;
}

function writePdf(path: string, pdf: Buffer): void {
  try {
    writeFileSync(path, pdf, { mode: OWNER_ONLY_FILE });
  } catch (error) {
    throw new CliUserError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `exotrial casebook PARTICIPANT --out FILE`: the download is audited as an export, like the API's. */
export const casebook = async (participant: string, options: PaperOptions) => {
  checkOutputFile(options.out, 'the casebook');
  await withStudyDatabase(options, async (database, studyId) => {
    const result = await participantCasebookPdf(
      database,
      studyId,
      cliCaller('casebook'),
      participant,
      options.lang,
    );
    writePdf(options.out, result.pdf);
    process.stderr.write(
      `Wrote ${options.out}: the casebook of ${result.participantNumber} (${options.lang}, ${result.pdf.length} bytes).\n`,
    );
  });
};

/** `exotrial crf blank [--visit KEY] --out FILE`: reads the protocol only, so leaves the schema as it is. */
export const blankCrf = async (options: PaperOptions & { visit?: string }) => {
  checkOutputFile(options.out, 'the worksheets');
  await withStudyDatabase(
    options,
    async (database, studyId) => {
      const result = await blankCrfPdf(database, studyId, { visit: options.visit, language: options.lang });
      writePdf(options.out, result.pdf);
      process.stderr.write(
        `Wrote ${options.out}: ${result.sheets} blank worksheet(s)${options.visit ? ` of visit ${options.visit}` : ''} (${options.lang}).\n`,
      );
    },
    'read',
    'read-only',
  );
};
