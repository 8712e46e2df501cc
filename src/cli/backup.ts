import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerBackupCommand(program: Command): void {
  withDataOption(
    program
      .command('backup')
      .description(
        'write the whole database to one file (gzip of NDJSON) from a consistent snapshot, while servers keep running',
      )
      .requiredOption('--out <file>', 'the backup file to write (replaced once the new one is complete)'),
  ).action(lazyAction(async () => (await import('./backup.actions.ts')).backup));
}

export function registerRestoreCommand(program: Command): void {
  withDataOption(
    program
      .command('restore')
      .description(
        'load a backup file into an empty database (PGlite or PostgreSQL), all or nothing, after checking the whole file',
      )
      .argument('<file>', 'a file written by `exotrial backup`')
      .option('--force', 'replace everything the target database holds')
      .option('--allow-broken-audit', 'restore even when an audit trail in the backup does not verify'),
  ).action(lazyAction(async () => (await import('./backup.actions.ts')).restore));
}
