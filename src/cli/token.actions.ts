import { systemActor } from '../audit/audit.schema.ts';
import { newApiTokenSchema } from '../auth/api-token.schema.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { confirmOwnPassword } from '../auth/password-check.ts';
import { authSettings } from '../auth/session.service.ts';
import { CliUserError } from './cli-errors.ts';
import { checkDataFolder, configFor, type DatabaseOptions, withStudyDatabase } from './database-options.ts';
import { readSecret } from './prompt.ts';

interface TokenCreateOptions extends DatabaseOptions {
  email: string;
  name: string;
  expiresInDays?: string;
}

export const createToken = async (options: TokenCreateOptions) => {
  const parsed = newApiTokenSchema.safeParse({
    name: options.name,
    expiresInDays: options.expiresInDays === undefined ? undefined : Number(options.expiresInDays),
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || 'input'}: ${issue.message}`,
    );
    throw new CliUserError(`Cannot create the token:\n${lines.join('\n')}`);
  }
  // A wrong --data is said before the password is asked, not after it was typed.
  checkDataFolder(configFor(options), 'read');
  const password = await readSecret(`Password of ${options.email}: `);
  const actor = systemActor(`cli (${process.env.USER ?? 'unknown'})`);
  const created = await withStudyDatabase(options, async (database, studyId, config) => {
    const user = await database.read((db) =>
      db
        .selectFrom('app_user')
        .select(['user_id', 'email', 'status'])
        .where('study_id', '=', studyId)
        .where((eb) => eb(eb.fn('lower', ['email']), '=', options.email.trim().toLowerCase()))
        .executeTakeFirst(),
    );
    if (!user) throw new CliUserError(`No user has the email ${options.email}.`);
    if (user.status !== 'active')
      throw new CliUserError(`${user.email} is disabled: enable the account first.`);
    const owner = { userId: user.user_id, email: user.email };
    // Whoever runs the CLI reaches the database, but a token speaks for a person: it takes their
    // password (a wrong one exits 1 and counts toward their lockout, as at sign-in).
    await confirmOwnPassword(database, studyId, owner, actor, password, authSettings(config), 'token_issue');
    return database.transaction((trx) =>
      createApiToken(trx, studyId, actor, owner, parsed.data, config.tokenDays),
    );
  });
  process.stderr.write(
    `Token "${created.name}" for ${created.userEmail} (id ${created.tokenId}), valid until ${created.expiresAt}. ` +
      'It is shown this once: store it now. Send it as `Authorization: Bearer <token>`.\n',
  );
  process.stdout.write(`${created.token}\n`);
};
