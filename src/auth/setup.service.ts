import { sql } from 'kysely';
import { systemActor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/connection.ts';
import { DomainError } from '../kernel/errors.ts';
import type { SetupRequest, UserView } from './auth.schema.ts';
import { newSecret, secretDigest } from './tokens.ts';
import { countUsers, createUser } from './user.service.ts';

const SETUP_LINK_HOURS = 24;

/**
 * While a study has no user, each start issues a one-time link for creating the first administrator
 * in the browser. Returns the secret to print, or null when the study already has users.
 */
export async function issueSetupToken(database: Database, studyId: string): Promise<string | null> {
  return database.transaction(async (trx) => {
    if ((await countUsers(trx, studyId)) > 0) return null;
    const secret = newSecret();
    const now = new Date();
    await trx
      .insertInto('setup_token')
      .values({
        study_id: studyId,
        token_hash: secretDigest(secret),
        created_at: now,
        expires_at: new Date(now.getTime() + SETUP_LINK_HOURS * 3_600_000),
      })
      .execute();
    await recordAudit(trx, studyId, systemActor(), {
      action: 'setup.link_issued',
      entityType: 'setup_token',
      entityId: secretDigest(secret).slice(0, 16),
    });
    return secret;
  });
}

export async function setupNeeded(database: Database, studyId: string): Promise<boolean> {
  return database.read(async (db) => (await countUsers(db, studyId)) === 0);
}

/** Creates the first administrator, once, with a valid unused setup link. */
export async function completeSetup(
  database: Database,
  studyId: string,
  request: SetupRequest,
): Promise<UserView> {
  return database.transaction(async (trx) => {
    const token = await trx
      .selectFrom('setup_token')
      .selectAll()
      .where('study_id', '=', studyId)
      .where('token_hash', '=', secretDigest(request.token))
      .forUpdate()
      .executeTakeFirst();
    if (!token || token.used_at !== null || new Date(token.expires_at) < new Date()) {
      throw new DomainError(
        'forbidden',
        'This setup link is not valid any more. Restart the server to get a new one, or use `exotrial user add`.',
      );
    }
    if ((await countUsers(trx, studyId)) > 0) {
      throw new DomainError('conflict', 'The first administrator has already been created. Sign in instead.');
    }
    await trx
      .updateTable('setup_token')
      .set({ used_at: new Date() })
      .where('study_id', '=', studyId)
      .where('token_hash', '=', token.token_hash)
      .execute();
    return createUser(trx, studyId, systemActor('setup link'), {
      email: request.email,
      name: request.name,
      password: request.password,
      roles: ['administrator'],
      siteIds: [],
    });
  });
}

/** EXOTRIAL_ADMIN_EMAIL/PASSWORD: the scripted twin of the setup link. Does nothing once users exist. */
export async function bootstrapAdmin(
  database: Database,
  studyId: string,
  admin: { email: string; password: string },
): Promise<UserView | null> {
  return database.transaction(async (trx) => {
    // Several servers may start at once with the same EXOTRIAL_ADMIN_EMAIL: one creates the
    // administrator, the others wait on this lock and then find a user.
    await sql`select pg_advisory_xact_lock(hashtext('exotrial.bootstrap'))`.execute(trx);
    if ((await countUsers(trx, studyId)) > 0) return null;
    return createUser(trx, studyId, systemActor('EXOTRIAL_ADMIN_EMAIL'), {
      email: admin.email.trim().toLowerCase(),
      name: 'Administrator',
      password: admin.password,
      roles: ['administrator'],
      siteIds: [],
    });
  });
}
