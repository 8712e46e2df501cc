import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

/** Adds `protocol validate FILE` and `protocol show FILE [--lang en|zh]`. Exit 0 when valid, 1 with problems. */
export function registerProtocolCommand(program: Command): void {
  const protocol = program.command('protocol').description('check and read trial protocol files (YAML)');

  protocol
    .command('validate')
    .description('validate a protocol file; every problem is printed as FILE:LINE path: message')
    .argument('<file>', 'protocol YAML file, e.g. protocols/mexcovid.yaml')
    .action(lazyAction(async () => (await import('./protocol.actions.ts')).validateProtocol));

  protocol
    .command('show')
    .description('print a readable summary of a protocol file')
    .argument('<file>', 'protocol YAML file')
    .option('--lang <lang>', 'language of the summary: en or zh', 'en')
    .action(lazyAction(async () => (await import('./protocol.actions.ts')).showProtocol));

  withDataOption(
    protocol
      .command('amend')
      .description("load an amended protocol file into the study's database as its next version")
      .argument('<file>', 'the amended protocol YAML file')
      .requiredOption('--reason <text>', 'the reason for the amendment (kept in the audit trail)'),
  ).action(lazyAction(async () => (await import('./protocol.actions.ts')).amendProtocolFile));
}
