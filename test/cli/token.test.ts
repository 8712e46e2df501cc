import pino from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
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

// Each case starts the CLI (a Node process that migrates and checks argon2 hashes) one to three times.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

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
      { target: target.target, input: `${ADMIN.password}\n` },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('shown this once');
    const validUntil = /valid until (\S+)\./.exec(result.stderr)?.[1] ?? '';
    const days = (new Date(validUntil).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
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

  it('exits 1 for a wrong password, counted toward the lockout, and for more days than allowed', async () => {
    const wrong = exotrial(['token', 'create', '--email', ADMIN.email, '--name', 'x'], {
      target: target.target,
      input: 'not the password\n',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('current password is not correct');
    expect(wrong.stdout).toBe('');
    const tooLong = exotrial(
      ['token', 'create', '--email', ADMIN.email, '--name', 'x', '--expires-in-days', '400'],
      { target: target.target, input: `${ADMIN.password}\n` },
    );
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('at most 365 days');
    const database = await openDatabase(target.target);
    try {
      const rows = await database.read((db) =>
        db
          .selectFrom('audit_event')
          .select('context')
          .where('action', '=', 'auth.password_check_failed')
          .execute(),
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]?.context).toMatchObject({ purpose: 'token_issue' });
    } finally {
      await database.close();
    }
  });

  it('user add for a study that has users: the new user must change the password', async () => {
    const result = exotrial(
      ['user', 'add', '--email', 'added@example.org', '--name', 'Added', '--role', 'monitor'],
      { target: target.target, input: 'typed by the operator 42\n' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('must change the password at the first sign-in');
    const database = await openDatabase(target.target);
    try {
      const row = await database.read((db) =>
        db
          .selectFrom('app_user')
          .select('must_change_password')
          .where('email', '=', 'added@example.org')
          .executeTakeFirstOrThrow(),
      );
      expect(row.must_change_password).toBe(true);
    } finally {
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
