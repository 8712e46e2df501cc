import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('verify and export the audit trail');

  withDataOption(
    audit
      .command('verify')
      .description('recompute the hash chain; exit 0 when intact, 1 naming the first broken sequence number')
      .option(
        '--anchors <file>',
        'also prove every event anchored in this file (`audit anchor`) is still there unchanged',
      ),
  ).action(lazyAction(async () => (await import('./audit.actions.ts')).verifyAudit));

  withDataOption(
    audit
      .command('anchor')
      .description(
        'append the chain head (study, seq, hash, time) as one JSON line to a file kept outside the database, ' +
          'time-stamped by EXOTRIAL_TSA_URL when set',
      )
      .option('--file <anchor-file>', 'the anchor file, appended to (default: EXOTRIAL_ANCHOR_FILE)'),
  ).action(lazyAction(async () => (await import('./audit.actions.ts')).anchorAudit));

  withDataOption(
    audit
      .command('export')
      .description('write the whole trail, with hashes, as CSV or JSON')
      .option('--format <format>', 'csv or json', 'csv')
      .option('--out <file>', 'write to this file instead of standard output'),
  ).action(lazyAction(async () => (await import('./audit.actions.ts')).exportAudit));
}
