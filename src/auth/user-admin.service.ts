import type { Selectable } from 'kysely';
import type { Actor, AuditInput } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import type { AppUserTable } from '../db/schema.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { studyWideRoles } from '../kernel/permissions.ts';
import { revokeUserTokens } from './api-token.service.ts';
import type { UserAdminView, UserUpdate, UserView } from './auth.schema.ts';
import { hashPassword, passwordProblem } from './password.ts';
import { rememberPassword } from './password-change.service.ts';
import { revokeUserSessions } from './session.service.ts';
import { clearTotp } from './totp.service.ts';
import { toUserView } from './user.service.ts';

type UserRow = Pick<
  Selectable<AppUserTable>,
  | 'user_id'
  | 'email'
  | 'name'
  | 'status'
  | 'version'
  | 'totp_enabled_at'
  | 'locked_until'
  | 'last_login_at'
  | 'created_at'
> & { roles: string[]; site_ids: string[] };

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

const toAdminView = (row: UserRow): UserAdminView => ({
  ...toUserView(row),
  version: row.version,
  totpEnabled: row.totp_enabled_at !== null,
  lockedUntil: row.locked_until && new Date(row.locked_until) > new Date() ? iso(row.locked_until) : null,
  lastLoginAt: iso(row.last_login_at),
  createdAt: new Date(row.created_at).toISOString(),
});

const adminColumns = [
  'user_id',
  'email',
  'name',
  'status',
  'version',
  'roles',
  'site_ids',
  'totp_enabled_at',
  'locked_until',
  'last_login_at',
  'created_at',
] as const;

/**
 * The accounts the reader may see: everyone for study-wide roles, else the people who share one of
 * the reader's sites.
 */
export async function listUsers(db: Db, studyId: string, reader: UserView): Promise<UserAdminView[]> {
  const rows = await db
    .selectFrom('app_user')
    .select(adminColumns)
    .where('study_id', '=', studyId)
    .orderBy('email')
    .execute();
  const seesAll = reader.roles.some((role) => studyWideRoles.has(role));
  return rows
    .filter((row) => seesAll || row.site_ids.some((site) => reader.siteIds.includes(site)))
    .map(toAdminView);
}

async function lockedUser(trx: Tx, studyId: string, userId: string): Promise<UserRow> {
  const row = await trx
    .selectFrom('app_user')
    .select(adminColumns)
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`User ${userId}`);
  return row;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);

/**
 * Changes name, roles, sites or status with a reason; each changed field is an audit event with its
 * old and new value. A stale `version` gets 409. The last active administrator cannot be removed.
 */
export async function updateUser(
  trx: Tx,
  studyId: string,
  actor: Actor,
  userId: string,
  change: UserUpdate,
): Promise<UserAdminView> {
  const row = await lockedUser(trx, studyId, userId);
  if (row.version !== change.version) {
    throw conflict('Someone changed this user since you opened it: reload and make your change again.', {
      currentVersion: row.version,
    });
  }
  const events: AuditInput[] = [];
  const set: Record<string, unknown> = {};
  const field = (name: string, column: string, oldValue: unknown, newValue: unknown, stored: unknown) => {
    events.push({
      action: 'user.update',
      entityType: 'user',
      entityId: userId,
      field: name,
      oldValue,
      newValue,
      reason: change.reason,
    });
    set[column] = stored;
  };
  if (change.name !== undefined && change.name !== row.name)
    field('name', 'name', row.name, change.name, change.name);
  if (change.roles && !sameList(change.roles, row.roles)) {
    field('roles', 'roles', row.roles, change.roles, JSON.stringify(change.roles));
  }
  if (change.siteIds && !sameList(change.siteIds, row.site_ids)) {
    const known = await trx.selectFrom('site').select('site_id').where('study_id', '=', studyId).execute();
    const unknown = change.siteIds.filter((id) => !known.some((site) => site.site_id === id));
    if (unknown.length > 0) {
      throw validationFailed([{ field: 'siteIds', message: `Unknown site: ${unknown.join(', ')}.` }]);
    }
    field('siteIds', 'site_ids', row.site_ids, change.siteIds, JSON.stringify(change.siteIds));
  }
  if (change.status !== undefined && change.status !== row.status) {
    field('status', 'status', row.status, change.status, change.status);
  }
  if (change.unlock && row.locked_until && new Date(row.locked_until) > new Date()) {
    field('lockedUntil', 'locked_until', iso(row.locked_until), null, null);
    set.failed_login_count = 0;
  }
  if (events.length === 0) return toAdminView(row);
  const removesAdmin =
    row.roles.includes('administrator') &&
    row.status === 'active' &&
    ((change.roles && !change.roles.includes('administrator')) || change.status === 'disabled');
  if (removesAdmin && (await activeAdministrators(trx, studyId)) <= 1) {
    throw conflict('This is the last active administrator: make someone else administrator first.');
  }
  const updated = await trx
    .updateTable('app_user')
    .set({ ...set, updated_at: new Date(), version: row.version + 1 })
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .returning(adminColumns)
    .executeTakeFirstOrThrow();
  await recordAudit(trx, studyId, actor, events);
  if (change.status === 'disabled') {
    await revokeUserSessions(trx, studyId, actor, userId, 'session.revoke_all');
    await revokeUserTokens(trx, studyId, actor, userId, 'deactivated');
  } else if (set.roles !== undefined) {
    // A token was issued for what its owner could do then: a new role needs a new token.
    await revokeUserTokens(trx, studyId, actor, userId, 'role_changed');
  }
  return toAdminView(updated);
}

async function activeAdministrators(trx: Tx, studyId: string): Promise<number> {
  const rows = await trx
    .selectFrom('app_user')
    .select('roles')
    .where('study_id', '=', studyId)
    .where('status', '=', 'active')
    .execute();
  return rows.filter((row) => row.roles.includes('administrator')).length;
}

/**
 * Sets a new password chosen by an administrator; ends the user's sessions, API tokens and any
 * lockout. With `mustChangePassword` (always, from the API) the user must change it at the next
 * sign-in: only they may know their password (§11.300). The replaced password joins the history of
 * the last `passwordHistory`.
 */
export async function resetPassword(
  trx: Tx,
  studyId: string,
  actor: Actor,
  userId: string,
  input: { password: string; reason: string },
  policy: { passwordHistory: number; mustChangePassword: boolean },
): Promise<void> {
  const row = await lockedUser(trx, studyId, userId);
  const problem = passwordProblem(input.password, row.email);
  if (problem) throw validationFailed([{ field: 'password', message: problem }]);
  const now = new Date();
  const previous = await trx
    .selectFrom('app_user')
    .select('password_hash')
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  await rememberPassword(trx, studyId, userId, previous.password_hash, policy.passwordHistory, now);
  await trx
    .updateTable('app_user')
    .set({
      password_hash: await hashPassword(input.password),
      must_change_password: policy.mustChangePassword,
      failed_login_count: 0,
      locked_until: null,
      updated_at: now,
      version: row.version + 1,
    })
    .where('study_id', '=', studyId)
    .where('user_id', '=', userId)
    .execute();
  // The password itself never enters the trail: only that it changed, by whom and why.
  await recordAudit(trx, studyId, actor, {
    action: 'user.password_reset',
    entityType: 'user',
    entityId: userId,
    field: 'password',
    reason: input.reason,
    context: { mustChangePassword: policy.mustChangePassword },
  });
  await revokeUserSessions(trx, studyId, actor, userId, 'session.revoke_all');
  await revokeUserTokens(trx, studyId, actor, userId, 'password_reset');
}

/** Removes a user's second factor (lost phone); they sign in with the password and enrol again. */
export async function resetTotp(
  trx: Tx,
  studyId: string,
  actor: Actor,
  userId: string,
  reason: string,
): Promise<void> {
  const row = await lockedUser(trx, studyId, userId);
  if (row.totp_enabled_at === null) throw conflict('This user has no second factor set up.');
  await clearTotp(trx, studyId, userId);
  await recordAudit(trx, studyId, actor, {
    action: 'user.totp_reset',
    entityType: 'user',
    entityId: userId,
    field: 'totp',
    oldValue: true,
    newValue: false,
    reason,
  });
  await revokeUserSessions(trx, studyId, actor, userId, 'session.revoke_all');
}
