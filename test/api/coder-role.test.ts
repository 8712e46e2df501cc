import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import {
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

// Who codes: by default every role that may code (the data manager, a medical coder); when the
// protocol names a coder role (coding.coderRole), only that role, and the data manager no longer does.

const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const withCoder = (role: string) =>
  shipped
    .replace(/^version: .*$/m, 'version: "1.1"')
    .replace('formatVersion: 1\n', `formatVersion: 1\ncoding: { coderRole: ${role} }\n`);

describeEachDatabase('the coder role a protocol names', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let coder: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind);
    users = await createTrialUsers(t);
    await t.database.transaction((trx) =>
      createUser(trx, t.studyId, systemActor('test'), {
        email: 'coder@example.org',
        name: 'Medical coder',
        roles: ['medical_coder'],
        siteIds: [],
        password: PASSWORD,
      }),
    );
    coder = await signIn(t.app, 'coder@example.org', PASSWORD);
  });
  afterAll(async () => t?.close());

  const queue = (who: SignedIn) => as(t.app, who).get('/api/v1/coding/items?dictionary=meddra');
  const search = (who: SignedIn) => as(t.app, who).get('/api/v1/coding/meddra/terms?search=cough');

  it('lets the data manager and a medical coder code while the protocol names no coder role', async () => {
    expect((await queue(users.dataManager)).statusCode).toBe(200);
    expect((await queue(coder)).statusCode).toBe(200);
    // Reading is not coding: the monitor may not.
    expect((await queue(users.monitor)).statusCode).toBe(403);
  });

  it('refuses a coder role that may not code, naming those that may', async () => {
    const refused = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: withCoder('monitor'),
      reason: 'Coding by the monitor',
    });
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(refused.json())).toContain(
      'coding.coderRole \\"monitor\\" is not a role that may code; use one of data_manager, medical_coder',
    );
  });

  it('lets only the named role code once the protocol names it', async () => {
    const amended = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: withCoder('medical_coder'),
      reason: 'Coding by a medical coder',
    });
    expect(amended.statusCode, amended.body).toBe(201);
    expect((await queue(coder)).statusCode).toBe(200);
    expect((await search(coder)).statusCode).toBe(200);
    for (const response of [
      await queue(users.dataManager),
      await search(users.dataManager),
      await as(t.app, users.dataManager).post(
        '/api/v1/coding/items/00000000-0000-4000-8000-000000000000/code',
        { version: 1, code: '10011224' },
      ),
    ]) {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json().message).toBe(
        'The protocol names medical_coder as the coder of this study (coding.coderRole): only that role codes.',
      );
    }
  });
});
