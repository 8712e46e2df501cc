import { expect } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { DatabaseKind } from '../../src/db/connection.ts';
import { createTestApp, type SignedIn, signIn, type TestApp } from './test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from './trial-users.ts';

// The set-up every test of a randomised study starts from: the app on a protocol, the trial team,
// the study-wide statistician, and the lists the statistician generates and seals (the kit list, in
// a kit study, and the randomisation list), each checked to have answered as it should.

/** The study-wide statistician, signed in. */
export async function createStatistician(t: TestApp): Promise<SignedIn> {
  await t.database.transaction((trx) =>
    createUser(trx, t.studyId, systemActor('test'), {
      email: 'statistician@example.org',
      name: 'Stella Statistician',
      roles: ['statistician'],
      siteIds: [],
      password: PASSWORD,
    }),
  );
  return signIn(t.app, 'statistician@example.org', PASSWORD);
}

/** Generates the randomisation list from the seed and seals it (by the hash the generation returned). */
export async function sealRandomisationList(t: TestApp, statistician: SignedIn, seed: number): Promise<void> {
  const generated = await as(t.app, statistician).post('/api/v1/randomisation/list', { seed });
  expect(generated.statusCode, generated.body).toBe(200);
  const sealed = await as(t.app, statistician).post('/api/v1/randomisation/list/seal', {
    listHash: generated.json().listHash,
  });
  expect(sealed.statusCode, sealed.body).toBe(200);
}

/** Generates the kit list (kit studies) from the seed and seals it. */
export async function sealKitList(
  t: TestApp,
  statistician: SignedIn,
  kits: { seed: number; kitCount: number },
): Promise<void> {
  const generated = await as(t.app, statistician).post('/api/v1/kits/list', kits);
  expect(generated.statusCode, generated.body).toBe(200);
  const sealed = await as(t.app, statistician).post('/api/v1/kits/list/seal', {
    listHash: generated.json().listHash,
  });
  expect(sealed.statusCode, sealed.body).toBe(200);
}

export interface RandomisedStudy {
  t: TestApp;
  users: TrialUsers;
  statistician: SignedIn;
}

/**
 * The app on `protocol` with the trial team and the statistician; the kit list sealed when `kits` is
 * given, then the randomisation list sealed when `seed` is (leave it out to seal it later).
 */
export async function randomisedStudy(
  kind: DatabaseKind,
  options: {
    protocol: string;
    seed?: number;
    kits?: { seed: number; kitCount: number };
    environment?: NodeJS.ProcessEnv;
  },
): Promise<RandomisedStudy> {
  const t = await createTestApp(kind, { ...options.environment, EXOTRIAL_PROTOCOL: options.protocol });
  const users = await createTrialUsers(t);
  const statistician = await createStatistician(t);
  if (options.kits) await sealKitList(t, statistician, options.kits);
  if (options.seed !== undefined) await sealRandomisationList(t, statistician, options.seed);
  return { t, users, statistician };
}

/**
 * A participant screened and consented on `day1` (consent at `consentedAt`), whose screening forms
 * are saved, confirmed eligible by the investigator, then enrolled (and so randomised) with that day 1.
 */
export async function enrolWithScreeningForms(
  t: TestApp,
  users: TrialUsers,
  visit: {
    day1: string;
    consentedAt: string;
    forms: ReadonlyArray<readonly [string, Record<string, unknown>]>;
  },
): Promise<string> {
  const coordinator = as(t.app, users.coordinator);
  const screened = await coordinator.post('/api/v1/participants', {
    siteId: users.siteId,
    screeningDate: visit.day1,
  });
  expect(screened.statusCode, screened.body).toBe(201);
  const participantId: string = screened.json().participantId;
  const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
    formVersion: '1.0',
    consentedAt: visit.consentedAt,
    signer: 'participant',
  });
  expect(consent.statusCode, consent.body).toBe(201);
  for (const [formId, values] of visit.forms) {
    const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
    const saved = await coordinator.put(
      `/api/v1/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
      { version: 0, entries },
    );
    expect(saved.statusCode, `${formId}: ${saved.body}`).toBe(200);
  }
  const confirmed = await as(t.app, users.investigator).post(
    `/api/v1/participants/${participantId}/eligibility/confirm`,
    { password: PASSWORD },
  );
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  const detail = await coordinator.get(`/api/v1/participants/${participantId}`);
  const enrolled = await coordinator.post(`/api/v1/participants/${participantId}/enrol`, {
    day1Date: visit.day1,
    version: detail.json().version,
  });
  expect(enrolled.statusCode, enrolled.body).toBe(200);
  return participantId;
}
