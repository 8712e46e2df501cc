import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createApiToken } from '../../src/auth/api-token.service.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type RouteEntry, routeTable } from '../../src/kernel/authentication.ts';
import { can, studyWideRoles } from '../../src/kernel/permissions.ts';
import { type Role, roles } from '../../src/kernel/roles.ts';
import { ADMIN, createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';

const SITE_A = 'matrix-a';
const SITE_B = 'matrix-b';

/** A value for each path parameter; refused calls never reach the handler, so any well-formed value does. */
function concreteUrl(url: string, siteId: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    if (name === 'siteId') return siteId;
    if (name === 'sessionId') return 'a'.repeat(64);
    return '00000000-0000-4000-8000-000000000000';
  });
}

/**
 * The role × endpoint × site matrix, built from the Fastify route table: every API route that is not
 * public declares the permission it needs (config.permission); each role is sent to each route with
 * an API token, and a role lacking the permission must get 403. Routes naming a site (siteParam) are
 * also called by people of another site, who must get 403 unless their role sees every site.
 * Refusals write nothing: the audit chain's head does not move.
 */
describeEachDatabase('permission matrix', (kind) => {
  let t: TestApp;
  const tokens = new Map<Role, string>();
  const figures = { routes: 0, cells: 0, denied: 0, siteCells: 0, siteDenied: 0, anonymousDenied: 0 };

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    });
    const admin = await signIn(t.app);
    for (const siteId of [SITE_A, SITE_B]) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/v1/sites',
        headers: admin.headers,
        payload: {
          siteId,
          code: siteId.slice(-1).toUpperCase(),
          name: { en: siteId, zh: siteId },
          timeZone: 'UTC',
        },
      });
      expect(created.statusCode, created.body).toBe(201);
    }
    for (const role of roles) {
      await t.database.transaction(async (trx) => {
        const user = await createUser(trx, t.studyId, systemActor('matrix'), {
          email: `${role.replace(/_/g, '-')}@example.org`,
          name: role,
          roles: [role],
          siteIds: studyWideRoles.has(role) ? [] : [SITE_A],
          password: 'matrix password long enough',
        });
        const token = await createApiToken(
          trx,
          t.studyId,
          systemActor('matrix'),
          user,
          { name: 'matrix' },
          t.config.tokenDays,
        );
        tokens.set(role, token.token);
      });
    }
  });
  afterAll(async () => {
    console.info(
      `[${kind}] permission matrix: ${figures.routes} routes; role cells ${figures.cells}, denied ${figures.denied}; ` +
        `site cells ${figures.siteCells}, denied ${figures.siteDenied}; anonymous denied ${figures.anonymousDenied}`,
    );
    await t?.close();
  });

  const apiRoutes = (): RouteEntry[] =>
    routeTable(t.app).filter(
      (route) => route.url.startsWith('/api/') && !route.config.public && route.method !== 'HEAD',
    );

  it('every non-public route declares the permission it needs', () => {
    const undeclared = apiRoutes()
      .filter((route) => !route.config.permission)
      .map((route) => `${route.method} ${route.url}`);
    expect(
      undeclared,
      'declare config: { permission: … } (and siteParam for a :siteId path) on these routes',
    ).toEqual([]);
    expect(apiRoutes().length).toBeGreaterThan(15);
  });

  it('every API route lives once under /api/v1 (route files spell their paths without the prefix)', () => {
    const api = routeTable(t.app).filter((route) => route.url.toLowerCase().startsWith('/api/'));
    const misplaced = api
      .filter((route) => !route.url.startsWith('/api/v1/') && !route.url.startsWith('/api/docs'))
      .concat(api.filter((route) => route.url.indexOf('/api/', 1) > 0))
      .map((route) => `${route.method} ${route.url}`);
    expect(misplaced).toEqual([]);
  });

  it('refuses every cell whose role lacks the permission, and other sites’ people, and writes nothing', async () => {
    // Refused calls must write nothing. Allowed reads may (an export is audited), so the head is
    // compared around each refused call only.
    let refusedWrites = 0;
    const failures: string[] = [];
    for (const route of apiRoutes()) {
      const permission = route.config.permission;
      if (!permission) continue;
      figures.routes += 1;
      const headBeforeAnonymous = await auditHead();
      const anonymous = await t.app.inject({
        method: route.method as 'GET',
        url: concreteUrl(route.url, SITE_A),
      });
      if ((await auditHead()) !== headBeforeAnonymous) refusedWrites += 1;
      if (anonymous.statusCode === 401) figures.anonymousDenied += 1;
      else failures.push(`anonymous ${route.method} ${route.url} → ${anonymous.statusCode}`);

      for (const role of roles) {
        const allowed = permission === 'signed-in' || can({ roles: [role] }, permission);
        figures.cells += 1;
        // Allowed writes would really happen (and be audited): only reads are called when allowed.
        if (allowed && route.method !== 'GET') continue;
        const headBefore = allowed ? 0 : await auditHead();
        const cell = await call(route, role, SITE_A);
        if (!allowed && (await auditHead()) !== headBefore) refusedWrites += 1;
        if (!allowed) {
          if (cell.statusCode === 403 && cell.json().error === 'forbidden') figures.denied += 1;
          else failures.push(`${role} ${route.method} ${route.url} → ${cell.statusCode}, expected 403`);
        } else if (route.method === 'GET' && [401, 403].includes(cell.statusCode)) {
          failures.push(`${role} ${route.method} ${route.url} → ${cell.statusCode}, expected access`);
        }
        if (!route.config.siteParam || !allowed) continue;
        // A write to another site must be refused too; allowed writes of study-wide roles are not sent.
        if (studyWideRoles.has(role) && route.method !== 'GET') continue;
        const headBeforeOther = await auditHead();
        const otherSite = await call(route, role, SITE_B);
        if (otherSite.statusCode === 403 && (await auditHead()) !== headBeforeOther) refusedWrites += 1;
        figures.siteCells += 1;
        if (studyWideRoles.has(role)) {
          if (route.method === 'GET' && [401, 403].includes(otherSite.statusCode)) {
            failures.push(
              `${role} (all sites) ${route.method} ${route.url} at ${SITE_B} → ${otherSite.statusCode}`,
            );
          }
        } else if (otherSite.statusCode === 403) {
          figures.siteDenied += 1;
        } else {
          failures.push(
            `${role} of ${SITE_A} ${route.method} ${route.url} at ${SITE_B} → ${otherSite.statusCode}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    expect(figures.denied).toBeGreaterThan(0);
    expect(figures.siteDenied).toBeGreaterThan(0);
    expect(refusedWrites).toBe(0);
  });

  function call(route: RouteEntry, role: Role, siteId: string) {
    return t.app.inject({
      method: route.method as 'GET',
      url: concreteUrl(route.url, siteId),
      headers: { authorization: `Bearer ${tokens.get(role)}` },
      ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
    });
  }

  async function auditHead(): Promise<number> {
    const head = await t.database.read((db) =>
      db
        .selectFrom('audit_chain_head')
        .select('seq')
        .where('study_id', '=', t.studyId)
        .executeTakeFirstOrThrow(),
    );
    return Number(head.seq);
  }
});
