import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db, Tx } from '../db/connection.ts';
import { notFound, validationFailed } from '../kernel/errors.ts';
import type { ApiTokenView, CreatedApiToken, NewApiToken } from './api-token.schema.ts';
import { AUTHENTICATED_USER_COLUMNS, authenticatedSession, lastUseIsStale } from './authenticated-user.ts';
import type { AuthenticatedSession } from './session.service.ts';
import { newSecret, secretDigest } from './tokens.ts';
import { namesByLabel } from './user-names.ts';

/** Tokens read `exo_…` so that secret scanners and people recognise them. */
const TOKEN_PREFIX = 'exo_';
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** How long tokens last, in days (EXOTRIAL_TOKEN_DAYS and EXOTRIAL_TOKEN_MAX_DAYS). */
export interface TokenLifetime {
  default: number;
  max: number;
}

/**
 * Issues a token for a user; the secret is returned this once and only its SHA-256 is kept. Every
 * token ends: after `expiresInDays`, or the study's default, never past the maximum.
 */
export async function createApiToken(
  trx: Tx,
  studyId: string,
  actor: Actor,
  user: { userId: string; email: string },
  input: NewApiToken,
  lifetime: TokenLifetime,
  now = new Date(),
): Promise<CreatedApiToken> {
  const days = input.expiresInDays ?? lifetime.default;
  if (days > lifetime.max) {
    throw validationFailed([
      {
        field: 'expiresInDays',
        message: `A token may last at most ${lifetime.max} days here: choose ${lifetime.max} or fewer.`,
      },
    ]);
  }
  const token = `${TOKEN_PREFIX}${newSecret()}`;
  const row = {
    study_id: studyId,
    token_id: randomUUID(),
    user_id: user.userId,
    name: input.name,
    token_digest: secretDigest(token),
    token_prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    created_at: now,
    created_by: actor.label,
    expires_at: new Date(now.getTime() + days * 86_400_000),
  };
  await trx.insertInto('api_token').values(row).execute();
  const ownerName = await trx
    .selectFrom('app_user')
    .select('name')
    .where('study_id', '=', studyId)
    .where('user_id', '=', user.userId)
    .executeTakeFirst();
  const creatorNames = await namesByLabel(trx, studyId, [actor.label]);
  const view: ApiTokenView = {
    tokenId: row.token_id,
    userId: user.userId,
    userEmail: user.email,
    userName: ownerName?.name ?? user.email,
    name: row.name,
    prefix: row.token_prefix,
    createdAt: now.toISOString(),
    createdBy: row.created_by,
    createdByName: creatorNames.get(row.created_by) ?? row.created_by,
    expiresAt: iso(row.expires_at),
    lastUsedAt: null,
    revokedAt: null,
  };
  await recordAudit(trx, studyId, actor, {
    action: 'token.issue',
    entityType: 'api_token',
    entityId: row.token_id,
    newValue: { userId: user.userId, name: row.name, prefix: row.token_prefix, expiresAt: view.expiresAt },
  });
  return { ...view, token };
}

/** Tokens of one user, or of everyone when `userId` is undefined (administrators). */
export async function listApiTokens(db: Db, studyId: string, userId?: string): Promise<ApiTokenView[]> {
  let query = db
    .selectFrom('api_token as t')
    .innerJoin('app_user as u', (join) =>
      join.onRef('u.study_id', '=', 't.study_id').onRef('u.user_id', '=', 't.user_id'),
    )
    .select([
      't.token_id',
      't.user_id',
      'u.email',
      'u.name as user_name',
      't.name',
      't.token_prefix',
      't.created_at',
      't.created_by',
      't.expires_at',
      't.last_used_at',
      't.revoked_at',
    ])
    .where('t.study_id', '=', studyId);
  if (userId !== undefined) query = query.where('t.user_id', '=', userId);
  const rows = await query.orderBy('t.created_at', 'desc').execute();
  const names = await namesByLabel(
    db,
    studyId,
    rows.map((row) => row.created_by),
  );
  return rows.map((row) => ({
    tokenId: row.token_id,
    userId: row.user_id,
    userEmail: row.email,
    userName: row.user_name,
    name: row.name,
    prefix: row.token_prefix,
    createdAt: new Date(row.created_at).toISOString(),
    createdBy: row.created_by,
    createdByName: names.get(row.created_by) ?? row.created_by,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
  }));
}

/**
 * Revokes a token at once. `ownerId` limits it to that user's tokens (404 otherwise, so people
 * cannot probe others' token ids); undefined lets an administrator revoke any.
 */
export async function revokeApiToken(
  trx: Tx,
  studyId: string,
  actor: Actor,
  tokenId: string,
  ownerId: string | undefined,
): Promise<void> {
  let query = trx
    .updateTable('api_token')
    .set({ revoked_at: new Date(), revoked_by: actor.label })
    .where('study_id', '=', studyId)
    .where('token_id', '=', tokenId)
    .where('revoked_at', 'is', null);
  if (ownerId !== undefined) query = query.where('user_id', '=', ownerId);
  const revoked = await query.returning(['token_id', 'user_id', 'name']).executeTakeFirst();
  if (!revoked) throw notFound(`An active token ${tokenId}`);
  await recordAudit(trx, studyId, actor, {
    action: 'token.revoke',
    entityType: 'api_token',
    entityId: tokenId,
    field: 'revoked',
    oldValue: false,
    newValue: true,
    context: { userId: revoked.user_id, name: revoked.name },
  });
}

/** Why a user's tokens were all revoked at once; recorded with each revocation. */
export type TokenRevocationCause =
  | 'password_changed'
  | 'password_reset'
  | 'signed_out_everywhere'
  | 'deactivated'
  | 'role_changed';

/** Revokes every live token of a user, each with its own audit event naming the cause. */
export async function revokeUserTokens(
  trx: Tx,
  studyId: string,
  actor: Actor,
  userId: string,
  cause: TokenRevocationCause,
): Promise<number> {
  const now = new Date();
  const revoked = await trx
    .updateTable('api_token')
    .set({ revoked_at: now, revoked_by: actor.label })
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .returning(['token_id', 'name'])
    .execute();
  if (revoked.length === 0) return 0;
  await recordAudit(
    trx,
    studyId,
    actor,
    revoked.map((row) => ({
      action: 'token.revoke',
      entityType: 'api_token',
      entityId: row.token_id,
      field: 'revoked',
      oldValue: false,
      newValue: true,
      context: { userId, name: row.name, cause },
    })),
  );
  return revoked.length;
}

/** Resolves `Authorization: Bearer <token>`: unknown, revoked, expired, or a disabled user's is none. */
export async function resolveApiToken(
  database: Database,
  studyId: string,
  token: string,
  now = new Date(),
): Promise<AuthenticatedSession | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const digest = secretDigest(token);
  // A read, then (at most once a minute) the last-use mark as its own statement, as for sessions.
  const found = await database.read(async (db) => {
    const row = await db
      .selectFrom('api_token as t')
      .innerJoin('app_user as u', (join) =>
        join.onRef('u.study_id', '=', 't.study_id').onRef('u.user_id', '=', 't.user_id'),
      )
      .select(['t.token_id', 't.last_used_at', 't.expires_at', ...AUTHENTICATED_USER_COLUMNS])
      .where('t.study_id', '=', studyId)
      .where('t.token_digest', '=', digest)
      .where('t.revoked_at', 'is', null)
      .where('u.status', '=', 'active')
      .executeTakeFirst();
    // A token without an end predates expiry (the 2026_12_04 migration gave the live ones an end).
    if (!row || row.expires_at === null || new Date(row.expires_at) <= now) return null;
    const resolved = await authenticatedSession(row, {
      via: 'token',
      csrfToken: '',
      sessionId: null,
      tokenId: row.token_id,
      actorLabel: (email) => `${email} (token ${row.token_id.slice(0, 8)})`,
      // The TOTP enrolment gate is for people at a browser; a script's token is never sent to it.
      totpEnrolmentRequired: async () => false,
    });
    return { resolved, tokenId: row.token_id, stale: lastUseIsStale(row.last_used_at, now) };
  });
  if (!found) return null;
  if (found.stale) {
    await database.transaction((trx) =>
      trx
        .updateTable('api_token')
        .set({ last_used_at: now })
        .where('study_id', '=', studyId)
        .where('token_id', '=', found.tokenId)
        .execute(),
    );
  }
  return found.resolved;
}
