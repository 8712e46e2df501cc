import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.ts';
import type { AppContext } from '../../src/kernel/context.ts';
import { buildApp } from '../../src/server/app.ts';
import { type RunningServer, startServer } from '../../src/server/server.ts';
import { ADMIN, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// The server builds its routes while the database starts, before the start-up steps have found the
// study (src/server/server.ts): no route may read the study's id while it registers.
describe('server start order', () => {
  const disposals: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const dispose of disposals.reverse()) await dispose();
  });

  it('registers every route without reading the study served', async () => {
    const fresh: TestTarget = await freshTarget('pglite');
    disposals.push(fresh.dispose);
    const config = testConfig(fresh.target);
    const database = await openDatabase(fresh.target);
    disposals.push(() => database.close());
    const reads: string[] = [];
    const context: AppContext = {
      config,
      database,
      get studyId(): string {
        reads.push(new Error('read while registering').stack ?? '');
        throw new Error('the study is not known yet');
      },
    };
    const app = await buildApp(context, { logger: false });
    disposals.push(() => app.close());
    await app.ready();
    expect(reads).toEqual([]);
    expect(app.printRoutes().length).toBeGreaterThan(0);
  });

  it('serves the study found by the start-up steps once listening', async () => {
    const fresh = await freshTarget('pglite');
    disposals.push(fresh.dispose);
    const config = {
      ...testConfig(fresh.target, {
        EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
        EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      }),
      port: 0,
      host: '127.0.0.1',
    };
    const server: RunningServer = await startServer(config, pino({ level: 'silent' }));
    disposals.push(() => server.close());
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const study = await fetch(`${server.url}/api/v1/study`, { headers: { cookie } });
    expect(study.status).toBe(200);
    expect(((await study.json()) as { studyId: string }).studyId).toBe('mexcovid');
  });
});
