import { expect } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { type SignedIn, signIn, type TestApp } from '../support/test-app.ts';
import { as, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

const formUrl = (participantId: string, visitKey: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=1`;

/**
 * Screens, consents, confirms and enrols a participant through the API; returns its id. `more` adds
 * values to the screening forms (a stratification factor of a randomised protocol).
 */
export async function enrolledParticipant(
  t: TestApp,
  users: TrialUsers,
  day1Date: string,
  more: Record<string, Record<string, unknown>> = {},
): Promise<string> {
  const coordinator = as(t.app, users.coordinator);
  const screened = await coordinator.post('/api/v1/participants', {
    siteId: users.siteId,
    screeningDate: day1Date,
  });
  expect(screened.statusCode, screened.body).toBe(201);
  const participantId: string = screened.json().participantId;
  // Consent on the screening day at the site (Asia/Shanghai), never in the future: the consent form's
  // date, a copy of the consent record, must be that day.
  const dayStart = Date.parse(`${day1Date}T00:00:00+08:00`);
  const consentedAt = new Date(Math.max(dayStart, Math.min(Date.now(), dayStart + 86_340_000)));
  const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
    formVersion: '1.0',
    consentedAt: consentedAt.toISOString(),
    signer: 'participant',
  });
  expect(consent.statusCode, consent.body).toBe(201);
  for (const [formId, values] of Object.entries(eligibleScreeningForms(day1Date, `${day1Date}T08:00:00Z`))) {
    const entries = Object.fromEntries(
      Object.entries({ ...values, ...more[formId] }).map(([item, value]) => [item, { value }]),
    );
    const saved = await coordinator.put(formUrl(participantId, 'screening', formId), { version: 0, entries });
    expect(saved.statusCode, `${formId}: ${saved.body}`).toBe(200);
  }
  const confirmed = await as(t.app, users.investigator).post(
    `/api/v1/participants/${participantId}/eligibility/confirm`,
    {
      password: PASSWORD,
    },
  );
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  const detail = await coordinator.get(`/api/v1/participants/${participantId}`);
  const enrolled = await coordinator.post(`/api/v1/participants/${participantId}/enrol`, {
    day1Date,
    version: detail.json().version,
  });
  expect(enrolled.statusCode, enrolled.body).toBe(200);
  return participantId;
}

/** A safety officer (study-wide) and a sponsor viewer, signed in. */
export async function createSafetyOfficer(t: TestApp): Promise<SignedIn> {
  await t.database.transaction((trx) =>
    createUser(trx, t.studyId, systemActor('test'), {
      email: 'safety@example.org',
      name: 'Sam Safety',
      roles: ['safety_officer'],
      siteIds: [],
      password: PASSWORD,
    }),
  );
  return signIn(t.app, 'safety@example.org', PASSWORD);
}

/** eCRF field inputs from plain values. */
export const fields = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

/** Site wall-clock text (Asia/Shanghai, no offset) for an instant. */
export function shanghaiLocal(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 16);
}
