import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type SignedIn, signIn, type TestApp } from '../support/test-app.ts';
import { as, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

/** Every release test of the MEXCOVID specification, passing (label 6.67e7 particles per mL). */
export const CONCENTRATION = 2.0e8 / 3;
export const passingResults = [
  { testId: 'particle-count', value: CONCENTRATION * 1.05 },
  { testId: 'modal-size', value: 118 },
  { testId: 'cd9', value: 'present' },
  { testId: 'cd63', value: 'present' },
  { testId: 'cd81', value: 'present' },
  { testId: 'tsg101', value: 'present' },
  { testId: 'calnexin', value: 'absent' },
  { testId: 'sterility', value: 'negative' },
  { testId: 'mycoplasma', value: 'negative' },
  { testId: 'endotoxin', value: 0.12 },
];

export interface Pharmacists {
  pharmacist: SignedIn;
  otherPharmacist: SignedIn;
}

/** A pharmacist at each of the two trial sites. */
export async function createPharmacists(t: TestApp, users: TrialUsers): Promise<Pharmacists> {
  await t.database.transaction(async (trx) => {
    for (const [email, siteId] of [
      ['pharmacist@example.org', users.siteId],
      ['otherpharmacist@example.org', users.otherSiteId],
    ] as const) {
      await createUser(trx, t.studyId, systemActor('test'), {
        email,
        name: email.startsWith('other') ? 'Other Pharmacist' : 'Pia Pharmacist',
        roles: ['pharmacist'],
        siteIds: [siteId],
        password: PASSWORD,
      });
    }
  });
  return {
    pharmacist: await signIn(t.app, 'pharmacist@example.org', PASSWORD),
    otherPharmacist: await signIn(t.app, 'otherpharmacist@example.org', PASSWORD),
  };
}

export async function createUnit(
  t: TestApp,
  user: SignedIn,
  code: string,
  siteId: string | null,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const response = await as(t.app, user).post('/api/v1/product/storage-units', {
    code,
    name: `Freezer ${code}`,
    kind: 'freezer',
    siteId,
    nominalCelsius: -80,
    lowCelsius: -90,
    highCelsius: -60,
    excursionToleranceMinutes: 30,
    ...overrides,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().unitId;
}

/** Registers a lot into a unit; with `release`, enters passing results and signs the release. */
export async function createLot(
  t: TestApp,
  user: SignedIn,
  input: {
    lotNumber: string;
    unitId: string;
    vialCount?: number;
    manufacturedOn?: string;
    receivedAt?: string;
  },
  release = true,
): Promise<{ lotId: string; codes: string[] }> {
  const client = as(t.app, user);
  const registered = await client.post('/api/v1/product/lots', {
    lotNumber: input.lotNumber,
    manufacturer: 'Cellular Biomedicine Lab',
    manufacturedOn: input.manufacturedOn ?? new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
    concentrationPerMl: CONCENTRATION,
    volumeMl: 3,
    vialCount: input.vialCount ?? 5,
    unitId: input.unitId,
    ...(input.receivedAt ? { receivedAt: input.receivedAt } : {}),
  });
  expect(registered.statusCode, registered.body).toBe(201);
  const lotId = registered.json().lotId as string;
  if (release) {
    const results = await client.put(`/api/v1/product/lots/${lotId}/release-results`, {
      results: passingResults,
      version: 1,
    });
    expect(results.statusCode, results.body).toBe(200);
    const released = await client.post(`/api/v1/product/lots/${lotId}/release`, {
      password: PASSWORD,
      version: 2,
    });
    expect(released.statusCode, released.body).toBe(200);
  }
  const count = input.vialCount ?? 5;
  const codes = Array.from(
    { length: count },
    (_, i) => `${input.lotNumber}-${String(i + 1).padStart(4, '0')}`,
  );
  return { lotId, codes };
}

/**
 * An enrolled participant, written directly: enrolment itself (consent, screening forms, investigator
 * signature) is covered by the participants suite; here only the treatment phase matters.
 */
export async function enrolledParticipant(
  t: TestApp,
  siteId: string,
  studyNumber: string,
  day1Date: string,
  status = 'enrolled',
): Promise<string> {
  const participantId = randomUUID();
  await t.database.transaction(async (trx) => {
    const now = new Date();
    await trx
      .insertInto('participant')
      .values({
        study_id: t.studyId,
        participant_id: participantId,
        site_id: siteId,
        screening_number: `S-${studyNumber}`,
        screening_date: day1Date,
        study_number: status === 'enrolled' ? studyNumber : null,
        status,
        day1_date: status === 'enrolled' ? day1Date : null,
        enrolled_at: status === 'enrolled' ? now : null,
        protocol_version: 1,
        synthetic: true,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  return participantId;
}

export async function vialByCode(t: TestApp, user: SignedIn, code: string) {
  const response = await as(t.app, user).get(`/api/v1/product/vials/by-code/${encodeURIComponent(code)}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { vialId: string; version: number; quarantined: boolean; state: string };
}
