import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerProductCommand(program: Command): void {
  const product = program.command('product').description('investigational product: temperature logs');

  withDataOption(
    product
      .command('import-temperatures')
      .description(
        "import a data logger's CSV into a storage unit's temperature log (UNIT is the unit's code or id), " +
          'all or nothing: a file with bad rows stores nothing and lists them by line',
      )
      .argument('<unit>', 'storage unit code (e.g. RJ-F1) or id')
      .argument('<file>', 'the CSV file exported by the data logger')
      .option('--skip-bad-rows', 'store the good rows of a file with bad rows (the bad ones are listed)')
      .option('--quiet', 'no progress bar'),
  ).action(lazyAction(async () => (await import('./product.actions.ts')).importTemperatureLog));
}
