import { type Command, Option } from 'commander';
import { lazyAction } from './lazy-action.ts';

/**
 * `exotrial stats km`: Kaplan–Meier estimates (as R survival's survfit) from a CSV file, printed
 * as JSON. Input mistakes go to stderr with exit code 1.
 */
export function registerStatsCommand(program: Command): void {
  const stats = program.command('stats').description('statistics on exported data (results match R)');
  stats
    .command('km')
    .description('Kaplan–Meier survival with confidence limits and median, per group, as JSON')
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--time <column>', 'column with the follow-up time')
    .requiredOption('--event <column>', 'column with 1 = event, 0 = censored')
    .option('--group <column>', 'column to split the curves by')
    .addOption(
      new Option('--conf-type <type>', 'confidence interval transformation')
        .choices(['log', 'log-log', 'plain'])
        .default('log'),
    )
    .option('--conf-level <level>', 'confidence level', '0.95')
    .action(lazyAction(async () => (await import('./stats.actions.ts')).km));
}
