import { systemActor } from '../audit/audit.schema.ts';
import { newUserSchema } from '../auth/auth.schema.ts';
import { countUsers, createUser } from '../auth/user.service.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder, configFor, withStudyDatabase } from './database-options.ts';
import { readSecret } from './prompt.ts';
import type { UserAddOptions } from './user.ts';

export async function addUser(options: UserAddOptions): Promise<void> {
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
}
