import type { Command } from 'commander';
import { systemActor } from '../audit/audit.schema.ts';
import { newUserSchema } from '../auth/auth.schema.ts';
import { roles } from '../auth/roles.ts';
import { countUsers, createUser } from '../auth/user.service.ts';
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
      .description(
        'create a user; the password is read from the terminal, or from standard input when piped. ' +
          'Except for the first account of a study, the user must change it at the first sign-in',
      )
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
    const actor = systemActor(`cli (${process.env.USER ?? 'unknown'})`);
    // The operator typed this password for someone else, unless this is the study's first account
    // (the operator's own, like the setup link): only its owner may keep knowing it (§11.300).
    const { created, mustChange } = await withStudyDatabase(
      options,
      (database, studyId) =>
        database.transaction(async (trx) => {
          const mustChangePassword = (await countUsers(trx, studyId)) > 0;
          const user = await createUser(trx, studyId, actor, parsed.data, { mustChangePassword });
          return { created: user, mustChange: mustChangePassword };
        }),
      'create',
    );
    process.stdout.write(`Created ${created.email} (${created.roles.join(', ')}), id ${created.userId}\n`);
    if (mustChange) process.stdout.write('They must change the password at the first sign-in.\n');
  });
}
