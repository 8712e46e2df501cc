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
  stats
    .command('logrank')
    .description(
      'log-rank test of survival between groups (optionally stratified), as JSON; matches R survdiff',
    )
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--time <column>', 'column with the follow-up time')
    .requiredOption('--event <column>', 'column with 1 = event, 0 = censored')
    .requiredOption('--group <column>', 'column with the group (arm) of each row')
    .option('--strata <column>', 'column to stratify by')
    .action(lazyAction(async () => (await import('./stats.actions.ts')).logrank));
  stats
    .command('cox')
    .description(
      'Cox proportional-hazards model of the groups against a reference (Efron ties, optionally stratified): hazard ratios with limits and the likelihood-ratio, Wald and score tests, as JSON; matches R coxph',
    )
    .requiredOption('--csv <file>', 'CSV file with a header row')
    .requiredOption('--time <column>', 'column with the follow-up time')
    .requiredOption('--event <column>', 'column with 1 = event, 0 = censored')
    .requiredOption('--group <column>', 'column with the group (arm) of each row')
    .option('--reference <level>', 'the reference group (default: the first in sorted order, as R)')
    .option('--strata <column>', 'column to stratify by')
    .option('--conf-level <level>', 'confidence level', '0.95')
    .action(lazyAction(async () => (await import('./stats.actions.ts')).cox));
}
