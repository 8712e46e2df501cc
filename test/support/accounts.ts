import type { App } from '../../src/kernel/context.ts';
import { signIn } from './test-app.ts';

/** The password an administrator hands over, replaced by its owner at the first sign-in. */
export const FIRST_PASSWORD = 'first password handed over 3310 quietly';

export interface NewAccount {
  email: string;
  name: string;
  roles: string[];
  siteIds?: string[];
  /** The password the person ends up with, after replacing the administrator's. */
  password: string;
}

/**
 * An account as it comes to exist in a study: an administrator creates it with a first password,
 * and its owner signs in and replaces that password with `password` (which the API requires before
 * anything else). Returns the created user as the administrator's answer gave it.
 */
export async function addAccount(
  app: App,
  adminHeaders: Record<string, string>,
  account: NewAccount,
): Promise<{ userId: string; email: string }> {
  const firstPassword = FIRST_PASSWORD;
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: adminHeaders,
    payload: { ...account, password: firstPassword },
  });
  if (created.statusCode !== 201) throw new Error(`create user: ${created.statusCode} ${created.body}`);
  const owner = await signIn(app, account.email, firstPassword);
  const changed = await app.inject({
    method: 'POST',
    url: '/api/v1/account/password',
    headers: owner.headers,
    payload: { currentPassword: firstPassword, newPassword: account.password },
  });
  if (changed.statusCode !== 200) throw new Error(`change password: ${changed.statusCode} ${changed.body}`);
  return created.json();
}
