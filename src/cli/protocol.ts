import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

/**
 * Adds `protocol validate FILE`, `protocol show FILE [--lang en|zh]` (exit 0 when valid, 1 with problems),
 * `protocol amend FILE --reason TEXT` and `protocol approve VERSION --site SITE --date DATE`.
 */
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

  withDataOption(
    protocol
      .command('approve')
      .description("record a site's ethics approval of a protocol version; the site then works under it")
      .argument('<version>', 'the protocol version: its number (2) or its label (1.1)')
      .requiredOption('--site <site>', 'the site id, e.g. ruijin')
      .requiredOption('--date <date>', 'the date of the ethics approval, YYYY-MM-DD'),
  ).action(lazyAction(async () => (await import('./protocol.actions.ts')).approveProtocolVersion));
}
