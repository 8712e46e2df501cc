import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectStudyVersion } from '../coding/coding.service.ts';
import { importMeddra, importWhodrug } from '../coding/dictionary.service.ts';
import { readDistribution } from '../coding/dictionary-files.ts';
import { meddraFiles } from '../coding/meddra-parser.ts';
import { whodrugFiles } from '../coding/whodrug-parser.ts';
import type { Database } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';

// The demo codes with the synthetic dictionaries shipped in dictionaries/synthetic (invented terms in
// the MedDRA and WHODrug file formats, not licensed content): loaded and chosen as the study's
// versions before any verbatim is written, so each adverse event and medication is coded as it is
// saved: auto-coded on a match, queued for the coder otherwise.

export const SYNTHETIC_MEDDRA = '99.0';
export const SYNTHETIC_WHODRUG = '2099.1';

/** The shipped synthetic dictionaries, found beside the code (sources or dist/) as protocols/ is. */
export const syntheticDictionaryDir = (): string =>
  fileURLToPath(new URL('../../dictionaries/synthetic/', import.meta.url));

/**
 * Imports the synthetic releases (once per database) and makes them the study's versions, unless the
 * study already codes with a dictionary of that kind (a real release is never replaced by the demo).
 */
export async function codeWithSyntheticDictionaries(
  database: Database,
  studyId: string,
  dataManager: Caller,
) {
  const dir = syntheticDictionaryDir();
  const state = await database.read(async (db) => ({
    loaded: await db
      .selectFrom('dictionary_version')
      .select(['dictionary', 'version'])
      .where('study_id', '=', studyId)
      .execute(),
    chosen: await db
      .selectFrom('study_dictionary')
      .select('dictionary')
      .where('study_id', '=', studyId)
      .execute(),
  }));
  const has = (dictionary: string, version: string) =>
    state.loaded.some((row) => row.dictionary === dictionary && row.version === version);
  const source = 'exotrial demo (synthetic)';
  if (!has('meddra', SYNTHETIC_MEDDRA)) {
    for (const language of ['en', 'zh'] as const) {
      await importMeddra(database, studyId, dataManager.actor, {
        files: readDistribution(join(dir, `meddra-${SYNTHETIC_MEDDRA}`, language), meddraFiles),
        source,
        version: SYNTHETIC_MEDDRA,
        language,
      });
    }
  }
  if (!has('whodrug', SYNTHETIC_WHODRUG)) {
    await importWhodrug(database, studyId, dataManager.actor, {
      files: readDistribution(join(dir, `whodrug-${SYNTHETIC_WHODRUG}`), whodrugFiles),
      source,
      version: SYNTHETIC_WHODRUG,
    });
  }
  for (const [dictionary, version] of [
    ['meddra', SYNTHETIC_MEDDRA],
    ['whodrug', SYNTHETIC_WHODRUG],
  ] as const) {
    if (state.chosen.some((row) => row.dictionary === dictionary)) continue;
    await selectStudyVersion(database, studyId, dataManager, dictionary, {
      version,
      reason: 'Demonstration trial: synthetic dictionary (not licensed content)',
    });
  }
}
