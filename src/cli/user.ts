import type { Command } from 'commander';
import { roles } from '../kernel/roles.ts';
import { type DatabaseOptions, withDataOption } from './data-option.ts';
import { lazyAction } from './lazy-action.ts';

const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
];

export interface UserAddOptions extends DatabaseOptions {
  email: string;
  name: string;
  role: string[];
  site: string[];
}

export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('manage user accounts');
  withDataOption(
    user
      .command('add')
      .description(
        'create a user; the password is read from the terminal, or from standard input when piped. ' +
          'Except for the first account of a study, the user must change it at the first sign-in',
      )
      .requiredOption('--email <email>', 'sign-in email')
      .requiredOption('--name <name>', 'full name')
      .option('--role <role>', `role, repeatable or comma-separated: ${roles.join(', ')}`, collect, [])
      .option('--site <siteId>', 'site the user works at, repeatable or comma-separated', collect, []),
  ).action(lazyAction(async () => (await import('./user.actions.ts')).addUser));
}
