import type { Command } from 'commander';
import { type DatabaseOptions, withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export interface GenerateOptions extends DatabaseOptions {
  seed: string;
}

export interface SealOptions extends DatabaseOptions {
  hash: string;
}

export interface ListOptions extends DatabaseOptions {
  json?: boolean;
}

export interface UnblindOptions extends DatabaseOptions {
  reason: string;
}

export interface KitGenerateOptions extends GenerateOptions {
  count: string;
}

export function registerRandomisationCommand(program: Command): void {
  const randomisation = program
    .command('randomisation')
    .description("the study's randomisation list: generated from a seed and sealed by the statistician");
  withDataOption(
    randomisation
      .command('generate')
      .description(
        "generate the list from the protocol's randomisation section and a seed you record; before sealing it can be generated again (the same seed gives the same list); audited",
      )
      .requiredOption(
        '--seed <number>',
        'a whole number from 0 to 2147483647, recorded with the trial master file',
      ),
  ).action(lazyAction(async () => (await import('./randomisation.actions.ts')).generate));
  withDataOption(
    randomisation
      .command('seal')
      .description(
        'seal the list you checked: after this it never changes and enrolment may allocate; audited',
      )
      .requiredOption(
        '--hash <sha256>',
        'the list hash that `randomisation generate` or `randomisation list` printed',
      ),
  ).action(lazyAction(async () => (await import('./randomisation.actions.ts')).seal));
  withDataOption(
    randomisation
      .command('list')
      .description(
        'print the list with its seed, arms and allocations (it unblinds: for the unblinded statistician)',
      )
      .option('--json', 'print the list as JSON'),
  ).action(lazyAction(async () => (await import('./randomisation.actions.ts')).list));
  withDataOption(
    randomisation
      .command('unblind')
      .description(
        "record the study's unblinding after database lock: from then on everyone who reads the study sees the arms; audited",
      )
      .requiredOption('--reason <text>', 'why, e.g. "database locked 2027-03-01, final analysis"'),
  ).action(lazyAction(async () => (await import('./randomisation.actions.ts')).unblind));
  registerKitCommands(randomisation);
}

/** `randomisation kits generate|seal|list`: the kit list of a protocol with kit types (RTSM). */
function registerKitCommands(randomisation: Command): void {
  const kits = randomisation
    .command('kits')
    .description(
      'the kit list: random kit numbers with their kit types, generated and sealed by the statistician',
    );
  withDataOption(
    kits
      .command('generate')
      .description(
        "generate the kit list from the protocol's kit types and a seed you record (the types come in the arms' ratio); before sealing it can be generated again; audited",
      )
      .requiredOption(
        '--seed <number>',
        'a whole number from 0 to 2147483647, recorded with the trial master file',
      )
      .requiredOption('--count <number>', 'how many kit numbers to list (rounded up to whole ratio cycles)'),
  ).action(lazyAction(async () => (await import('./kit-list.actions.ts')).generateKitList));
  withDataOption(
    kits
      .command('seal')
      .description('seal the kit list you checked: lots of a kit type may then take its numbers; audited')
      .requiredOption(
        '--hash <sha256>',
        'the hash that `randomisation kits generate` or `kits list` printed',
      ),
  ).action(lazyAction(async () => (await import('./kit-list.actions.ts')).sealKitList));
  withDataOption(
    kits
      .command('extend')
      .description(
        'extend the sealed kit list with a further block, sealed at once: new kit numbers that never repeat one listed, from a seed you record; audited',
      )
      .requiredOption(
        '--seed <number>',
        'a whole number from 0 to 2147483647, recorded with the trial master file',
      )
      .requiredOption('--count <number>', 'how many kit numbers to add (rounded up to whole ratio cycles)'),
  ).action(lazyAction(async () => (await import('./kit-list.actions.ts')).extendKitList));
  withDataOption(
    kits
      .command('list')
      .description(
        'print the kit list with its seed and each kit type (it unblinds: for the unblinded statistician)',
      )
      .option('--json', 'print the list as JSON'),
  ).action(lazyAction(async () => (await import('./kit-list.actions.ts')).printKitList));
}
