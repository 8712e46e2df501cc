import { systemActor } from '../audit/audit.schema.ts';
import {
  type DictionaryVersionView,
  importMeddra,
  importWhodrug,
  listDictionaryVersions,
} from '../coding/dictionary.service.ts';
import { readDistribution } from '../coding/dictionary-files.ts';
import { meddraFiles } from '../coding/meddra-parser.ts';
import { whodrugFiles } from '../coding/whodrug-parser.ts';
import { CliUserError } from './cli-errors.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

const actor = () => systemActor(`cli dictionary import (${process.env.USER ?? 'unknown'})`);

/** The count kinds in the order a release is described (a jsonb column keeps no key order). */
const countOrder = ['soc', 'hlgt', 'hlt', 'pt', 'llt', 'drugs', 'atc'];

const summary = (view: DictionaryVersionView) => {
  const counts = Object.entries(view.counts).sort(
    ([a], [b]) => countOrder.indexOf(a) - countOrder.indexOf(b),
  );
  const name = view.dictionary === 'meddra' ? 'MedDRA' : 'WHODrug';
  return `${name} ${view.version} (${view.languages.join(', ')}): ${counts.map(([kind, count]) => `${count} ${kind}`).join(', ')}`;
};

/** `exotrial dictionary import meddra DIR --version V [--language en|zh]` */
export const importMeddraCommand = async (
  dir: string,
  options: DatabaseOptions & { version: string; language: string },
) => {
  if (options.language !== 'en' && options.language !== 'zh') {
    throw new CliUserError(`--language ${options.language} is not one exotrial reads: give en or zh.`);
  }
  const language = options.language;
  const view = await withStudyDatabase(options, (database, studyId) =>
    importMeddra(database, studyId, actor(), {
      files: readDistribution(dir, meddraFiles),
      source: dir,
      version: options.version,
      language,
    }),
  );
  process.stdout.write(`Imported ${summary(view)}\n`);
};

/** `exotrial dictionary import whodrug DIR --version V` */
export const importWhodrugCommand = async (dir: string, options: DatabaseOptions & { version: string }) => {
  const view = await withStudyDatabase(options, (database, studyId) =>
    importWhodrug(database, studyId, actor(), {
      files: readDistribution(dir, whodrugFiles),
      source: dir,
      version: options.version,
    }),
  );
  process.stdout.write(`Imported ${summary(view)}\n`);
};

/** `exotrial dictionary list` */
export const listDictionariesCommand = async (options: DatabaseOptions) => {
  const versions = await withStudyDatabase(options, (database, studyId) =>
    database.read((db) => listDictionaryVersions(db, studyId)),
  );
  if (versions.length === 0) process.stdout.write('No dictionary is loaded.\n');
  for (const view of versions)
    process.stdout.write(`${summary(view)}, imported ${view.importedAt} by ${view.importedBy}\n`);
};
