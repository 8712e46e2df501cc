import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerDemoCommand(program: Command): void {
  withDataOption(
    program
      .command('demo')
      .description(
        'fill the database with a synthetic trial of the protocol (MEXCOVID unless --protocol; participants marked synthetic), through the same services as the API ' +
          '(checks, audit trail and e-signatures included), 20 people to a transaction: if the run stops, the people of the ' +
          'unfinished transaction are not written and those before them stay; the progress line shows people per second',
      )
      .option('--subjects <n>', 'people screened (about 7 in 10 are enrolled)', '30')
      .option('--sites <n>', 'sites taking part (more than the protocol lists are created)', '1')
      .option('--seed <n>', 'seed of the generator: the same seed on the same day gives the same data', '1')
      .option(
        '--protocol <file>',
        'protocol file of a new database (default: the shipped MEXCOVID protocol); a randomised one gets its list generated and sealed by an unblinded statistician, and every enrolled participant allocated',
      )
      .option('--force', 'add to a database that already holds real (non-synthetic) participants'),
  ).action(lazyAction(async () => (await import('./demo.actions.ts')).demo));
}
