import { randomUUID } from 'node:crypto';
import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import type { AppUserTable } from '../db/schema.ts';
import { conflict, validationFailed } from '../kernel/errors.ts';
import { isRole } from '../kernel/roles.ts';
import type { NewUser, UserView } from './auth.schema.ts';
import { hashPassword, passwordProblem } from './password.ts';

type UserRow = Pick<AppUserTable, 'user_id' | 'email' | 'name' | 'status'> & {
  roles: string[];
  site_ids: string[];
};

export const toUserView = (row: UserRow): UserView => ({
  userId: row.user_id,
  email: row.email,
  name: row.name,
  roles: row.roles.filter(isRole),
  siteIds: row.site_ids,
  status: row.status,
});

/**
 * Creates an account; the email is unique per study (case-insensitive). `mustChangePassword` when
 * someone other than the user chose the password (an administrator, `exotrial user add`): they
 * replace it at the first sign-in. The setup link and EXOTRIAL_ADMIN_* create the first
 * administrator with a password of their own.
 */
export async function createUser(
  trx: Tx,
  studyId: string,
  actor: Actor,
  input: NewUser,
  options: { mustChangePassword?: boolean } = {},
): Promise<UserView> {
  const problem = passwordProblem(input.password, input.email);
  if (problem) throw validationFailed([{ field: 'password', message: problem }]);
  const unknownSites = await unknownSiteIds(trx, studyId, input.siteIds);
  if (unknownSites.length > 0) {
    throw validationFailed([{ field: 'siteIds', message: `Unknown site: ${unknownSites.join(', ')}.` }]);
  }
  const existing = await trx
    .selectFrom('app_user')
    .select('user_id')
    .where('study_id', '=', studyId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase()))
    .executeTakeFirst();
  if (existing) throw conflict(`A user with the email ${input.email} already exists.`);
  const now = new Date();
  const row = {
    study_id: studyId,
    user_id: randomUUID(),
    email: input.email,
    name: input.name,
    password_hash: await hashPassword(input.password),
    roles: JSON.stringify(input.roles),
    site_ids: JSON.stringify(input.siteIds),
    status: 'active' as const,
    must_change_password: options.mustChangePassword === true,
    created_at: now,
    updated_at: now,
  };
  await trx.insertInto('app_user').values(row).execute();
  const view: UserView = {
    userId: row.user_id,
    email: row.email,
    name: row.name,
    roles: input.roles,
    siteIds: input.siteIds,
    status: 'active',
  };
  await recordAudit(trx, studyId, actor, {
    action: 'user.create',
    entityType: 'user',
    entityId: row.user_id,
    newValue: view,
    context: { mustChangePassword: row.must_change_password },
  });
  return view;
}

async function unknownSiteIds(trx: Tx, studyId: string, siteIds: string[]): Promise<string[]> {
  if (siteIds.length === 0) return [];
  const found = await trx
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .where('site_id', 'in', siteIds)
    .execute();
  const known = new Set(found.map((site) => site.site_id));
  return siteIds.filter((id) => !known.has(id));
}

export async function countUsers(trx: Db, studyId: string): Promise<number> {
  const row = await trx
    .selectFrom('app_user')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('study_id', '=', studyId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
