import type { Command } from 'commander';
import { systemActor } from '../audit/audit.schema.ts';
import { newUserSchema } from '../auth/auth.schema.ts';
import { roles } from '../auth/roles.ts';
import { createUser } from '../auth/user.service.ts';
import { CliUserError } from './cli-errors.ts';
import {
  checkDataFolder,
  configFor,
  type DatabaseOptions,
  withDataOption,
  withStudyDatabase,
} from './database-options.ts';
import { readSecret } from './prompt.ts';

const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
];

interface UserAddOptions extends DatabaseOptions {
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
      .description('create a user; the password is read from the terminal, or from standard input when piped')
      .requiredOption('--email <email>', 'sign-in email')
      .requiredOption('--name <name>', 'full name')
      .option('--role <role>', `role, repeatable or comma-separated: ${roles.join(', ')}`, collect, [])
      .option('--site <siteId>', 'site the user works at, repeatable or comma-separated', collect, []),
  ).action(async (options: UserAddOptions) => {
    // Before the password is asked for: a data folder that cannot be used is said at once.
    checkDataFolder(configFor(options), 'create');
    const password = await readSecret('Password: ');
    const parsed = newUserSchema.safeParse({
      email: options.email,
      name: options.name,
      roles: options.role,
      siteIds: options.site,
      password,
    });
    if (!parsed.success) {
      const lines = parsed.error.issues.map(
        (issue) => `  ${issue.path.join('.') || 'input'}: ${issue.message}`,
      );
      throw new CliUserError(`Cannot create the user:\n${lines.join('\n')}`);
    }
    const created = await withStudyDatabase(
      options,
      (database, studyId) =>
        database.transaction((trx) =>
          createUser(trx, studyId, systemActor(`cli (${process.env.USER ?? 'unknown'})`), parsed.data),
        ),
      'create',
    );
    process.stdout.write(`Created ${created.email} (${created.roles.join(', ')}), id ${created.userId}\n`);
  });
}
