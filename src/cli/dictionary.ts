import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerDictionaryCommand(program: Command): void {
  const dictionary = program
    .command('dictionary')
    .description(
      'coding dictionaries the sponsor licenses (MedDRA, WHODrug Global), loaded from their files',
    );
  const importCommand = dictionary
    .command('import')
    .description('import a dictionary release, all or nothing');
  withDataOption(
    importCommand
      .command('meddra')
      .description(
        'import a MedDRA release from its ASCII files (llt.asc, pt.asc, hlt.asc, hlgt.asc, soc.asc, hlt_pt.asc, ' +
          'hlgt_hlt.asc, soc_hlgt.asc, mdhier.asc); English first, then the Chinese translation with --language zh',
      )
      .argument('<dir>', "the release's MedAscii folder")
      .requiredOption('--version <version>', 'the release, e.g. 27.1')
      .option('--language <language>', 'en (the release) or zh (its Chinese translation)', 'en'),
  ).action(lazyAction(async () => (await import('./dictionary.actions.ts')).importMeddraCommand));
  withDataOption(
    importCommand
      .command('whodrug')
      .description('import a WHODrug Global release in the B3 format (DD.txt, DDA.txt, INA.txt)')
      .argument('<dir>', 'the folder holding the B3 text files')
      .requiredOption('--version <version>', 'the release, e.g. 2024 Mar 1'),
  ).action(lazyAction(async () => (await import('./dictionary.actions.ts')).importWhodrugCommand));
  withDataOption(
    dictionary
      .command('list')
      .description('the dictionary versions loaded and the ones the study codes with'),
  ).action(lazyAction(async () => (await import('./dictionary.actions.ts')).listDictionariesCommand));
}
