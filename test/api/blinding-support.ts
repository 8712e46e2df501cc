import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { DatabaseKind } from '../../src/db/connection.ts';
import { studyWideRoles } from '../../src/kernel/permissions.ts';
import type { Role } from '../../src/kernel/roles.ts';
import { ADMIN, createTestApp, type SignedIn, signIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { createStatistician, enrolIn, readyIn } from './randomisation-support.ts';

export const rctProtocol = fileURLToPath(
  new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url),
);

export interface RandomisedStudy {
  t: TestApp;
  users: TrialUsers;
  statistician: SignedIn;
  /** The enrolled participants with their arms, as the statistician's list shows them. */
  allocated: Array<{ participantId: string; arm: string }>;
}

/** One person of the role at the first site (or study-wide), signed in. */
export async function personIn(t: TestApp, role: Role, siteId: string, email?: string): Promise<SignedIn> {
  const address = email ?? `${role.replace(/_/g, '-')}@example.org`;
  await t.database.transaction((trx) =>
    createUser(trx, t.studyId, systemActor('test'), {
      email: address,
      name: `Test ${role}`,
      roles: [role],
      siteIds: studyWideRoles.has(role) ? [] : [siteId],
      password: PASSWORD,
    }),
  );
  return signIn(t.app, address, PASSWORD);
}

/**
 * The randomised example with a sealed list and enrolled participants of both arms (2:1, so a few
 * enrolments; the seed is fixed, so the same arms come each run).
 */
export async function randomisedStudy(kind: DatabaseKind, participants = 4): Promise<RandomisedStudy> {
  const t = await createTestApp(kind, {
    EXOTRIAL_PROTOCOL: rctProtocol,
    EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
    EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    // Every role signs in from the one test address within the minute.
    EXOTRIAL_LOGIN_RATE_LIMIT: '100',
  });
  const users = await createTrialUsers(t);
  const statistician = await createStatistician(t);
  const generated = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed: 20261205 });
  expect(generated.statusCode, generated.body).toBe(200);
  const sealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', {
    listHash: generated.json().listHash,
  });
  expect(sealed.statusCode, sealed.body).toBe(200);
  const enrolled: Array<{ participantId: string; studyNumber: string }> = [];
  for (let index = 0; index < participants; index++) {
    const participantId = await readyIn(t, users, index % 2 === 0 ? 'severe' : 'critical');
    const response = await enrolIn(t, users, participantId);
    expect(response.statusCode, response.body).toBe(200);
    enrolled.push({ participantId, studyNumber: response.json().studyNumber });
  }
  const list = await as(t.app, statistician).get('/api/v1/randomisation/list');
  const entries: Array<{ arm: string; allocatedTo: string | null }> = list.json().entries;
  const allocated = enrolled.map(({ participantId, studyNumber }) => {
    const entry = entries.find((candidate) => candidate.allocatedTo === studyNumber);
    if (!entry) throw new Error(`no list entry allocated to ${studyNumber}`);
    return { participantId, arm: entry.arm };
  });
  // Both arms among them, or the walk could not tell a leak of one arm from the other.
  expect(new Set(allocated.map((entry) => entry.arm)).size).toBe(2);
  return { t, users, statistician, allocated };
}
