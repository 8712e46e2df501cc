import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { App } from '../../src/kernel/context.ts';
import type { Role } from '../../src/kernel/roles.ts';
import { type SignedIn, signIn, type TestApp } from './test-app.ts';

export const PASSWORD = 'trial staff password';

export interface TrialUsers {
  investigator: SignedIn;
  coordinator: SignedIn;
  monitor: SignedIn;
  dataManager: SignedIn;
  /** A coordinator of another site, who must see nothing of the first. */
  otherCoordinator: SignedIn;
  siteId: string;
  otherSiteId: string;
}

/** The trial team of one site plus a coordinator of a second site, each signed in. */
export async function createTrialUsers(t: TestApp): Promise<TrialUsers> {
  const siteId = await t.database.read(async (db) => {
    const site = await db
      .selectFrom('site')
      .select('site_id')
      .where('study_id', '=', t.studyId)
      .executeTakeFirstOrThrow();
    return site.site_id;
  });
  const otherSiteId = 'other-hospital';
  const people: Array<[string, Role, string[]]> = [
    ['investigator', 'investigator', [siteId]],
    ['coordinator', 'study_coordinator', [siteId]],
    ['monitor', 'monitor', [siteId]],
    ['datamanager', 'data_manager', []],
    ['othercoordinator', 'study_coordinator', [otherSiteId]],
  ];
  await t.database.transaction(async (trx) => {
    await trx
      .insertInto('site')
      .values({
        study_id: t.studyId,
        site_id: otherSiteId,
        code: 'OH',
        name: JSON.stringify({ en: 'Other Hospital', zh: '其他医院' }),
        time_zone: 'Asia/Shanghai',
        created_at: new Date(),
      })
      .execute();
    for (const [name, role, sites] of people) {
      await createUser(trx, t.studyId, systemActor('test'), {
        email: `${name}@example.org`,
        name: `${name[0]?.toUpperCase()}${name.slice(1)}`,
        roles: [role],
        siteIds: sites,
        password: PASSWORD,
      });
    }
  });
  const login = (name: string) => signIn(t.app, `${name}@example.org`, PASSWORD);
  return {
    investigator: await login('investigator'),
    coordinator: await login('coordinator'),
    monitor: await login('monitor'),
    dataManager: await login('datamanager'),
    otherCoordinator: await login('othercoordinator'),
    siteId,
    otherSiteId,
  };
}

/** `app.inject` with a signed-in user's headers and a JSON body. */
export function as(app: App, user: SignedIn) {
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: user.headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, payload: unknown = {}) => call('POST', url, payload),
    put: (url: string, payload: unknown) => call('PUT', url, payload),
  };
}
