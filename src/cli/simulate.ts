import type { Command } from 'commander';
import { lazyAction } from './lazy-action.ts';

export interface SimulateSafetyOptions {
  protocol?: string;
  trueRate: string;
  participants?: string;
  runs: string;
  seed: string;
  json?: boolean;
}

export function registerSimulateCommand(program: Command): void {
  const simulate = program.command('simulate').description('simulate a protocol before the first patient');
  simulate
    .command('safety')
    .description(
      "each stopping rule's chance of tripping, and the number enrolled when it does, by Monte Carlo simulation over a grid of true event rates",
    )
    .option('--protocol <file>', 'protocol YAML file (default: the shipped MEXCOVID protocol)')
    .option(
      '--true-rate <rates>',
      'true per-participant rates of each rule’s event, comma-separated',
      '0.02,0.05,0.1,0.15,0.2,0.3',
    )
    .option('--participants <n>', "participants enrolled (default: the protocol's planned enrolment)")
    .option('--runs <n>', 'simulated trials per rate', '10000')
    .option('--seed <n>', 'seed of the random streams (the same seed gives the same figures)', '1')
    .option(
      '--json',
      'print the results as JSON, with the whole distribution of the number enrolled at a trip',
    )
    .action(lazyAction(async () => (await import('./simulate.actions.ts')).simulateSafety));
}
