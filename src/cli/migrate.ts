import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerMigrateCommand(program: Command): void {
  withDataOption(
    program
      .command('migrate')
      .description('bring the database schema up to this version (serve does it too)'),
  ).action(lazyAction(async () => (await import('./migrate.actions.ts')).migrate));
}
