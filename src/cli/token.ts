import type { Command } from 'commander';
import { withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('manage API tokens for scripts');
  withDataOption(
    token
      .command('create')
      .description(
        "issue an API token for a user with that user's password (read from the terminal, or from standard input when piped); it is printed once, on standard output",
      )
      .requiredOption('--email <email>', 'the user the token acts as')
      .requiredOption('--name <name>', 'what the token is for, e.g. the script using it')
      .option(
        '--expires-in-days <n>',
        'days until it stops working (default: EXOTRIAL_TOKEN_DAYS, at most EXOTRIAL_TOKEN_MAX_DAYS)',
      ),
  ).action(lazyAction(async () => (await import('./token.actions.ts')).createToken));
}
