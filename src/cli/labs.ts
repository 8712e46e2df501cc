import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerLabsCommand(program: Command): void {
  const labs = program.command('labs').description('laboratory: reference ranges per site');
  const ranges = labs.command('ranges').description("a site's laboratory reference ranges");
  withDataOption(
    ranges
      .command('import')
      .description(
        "replace a site's reference ranges with a CSV file (columns item, sex, ageLow, ageHigh, low, high, unit); " +
          'a file with a bad line imports nothing and lists every bad line',
      )
      .argument('<file>', 'the CSV file of ranges')
      .requiredOption('--site <site>', 'site code (e.g. RJ) or id'),
  ).action(lazyAction(async () => (await import('./labs.actions.ts')).importLabRanges));
  withDataOption(
    ranges
      .command('list')
      .description("print a site's reference ranges as the CSV the import reads")
      .requiredOption('--site <site>', 'site code (e.g. RJ) or id'),
  ).action(lazyAction(async () => (await import('./labs.actions.ts')).listLabRanges));
}
