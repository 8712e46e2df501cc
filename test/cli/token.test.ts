import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import { buildApp } from '../../src/server/app.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import {
  ADMIN,
  describeEachDatabase,
  freshTarget,
  type TestTarget,
  testConfig,
} from '../support/test-app.ts';

describeEachDatabase('exotrial token create', (kind) => {
  let target: TestTarget;
  const environment = { EXOTRIAL_ADMIN_EMAIL: ADMIN.email, EXOTRIAL_ADMIN_PASSWORD: ADMIN.password };

  beforeAll(async () => {
    target = await freshTarget(kind);
    const database = await openDatabase(target.target);
    try {
      await bootstrap(database, testConfig(target.target, environment), pino({ level: 'silent' }));
    } finally {
      await database.close();
    }
  });
  afterAll(async () => target?.dispose());

  it('prints a token once, on standard output, that works as a bearer token; the trail records the issue', async () => {
    const result = exotrial(
      ['token', 'create', '--email', ADMIN.email.toUpperCase(), '--name', 'nightly export'],
      {
        target: target.target,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('shown this once');
    const token = result.stdout.trim();
    expect(token).toMatch(/^exo_[\w-]{43}$/);

    const database = await openDatabase(target.target);
    const config = testConfig(target.target, environment);
    const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
    const app = await buildApp({ config, database, studyId }, { logger: pino({ level: 'silent' }) });
    try {
      const me = await app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.email).toBe(ADMIN.email);
      const issued = await database.read((db) =>
        db.selectFrom('audit_event').selectAll().where('action', '=', 'token.issue').execute(),
      );
      expect(issued).toHaveLength(1);
      expect(issued[0]?.actor_label).toMatch(/^cli \(/);
      expect(JSON.stringify(issued)).not.toContain(token);
    } finally {
      await app.close();
      await database.close();
    }
  });

  it('exits 1 for an unknown email or a missing name', () => {
    const unknown = exotrial(['token', 'create', '--email', 'nobody@example.org', '--name', 'x'], {
      target: target.target,
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user has the email');
    expect(exotrial(['token', 'create', '--email', ADMIN.email], { target: target.target }).code).toBe(1);
  });
});
