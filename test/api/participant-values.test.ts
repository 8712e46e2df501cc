import { afterAll, beforeAll, expect, it } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { siteDateFromToday } from '../support/dosed-participant.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

// The site's date (Asia/Shanghai): the consent recorded now falls on it at any hour.
const today = siteDateFromToday(0);
const formUrl = (participantId: string, visitKey: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}`;

describeEachDatabase('values for the edit checks in the browser', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    participantId = screened.json().participantId;
    await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: new Date().toISOString(),
      signer: 'participant',
    });
    const forms = eligibleScreeningForms(today, `${today}T08:00:00Z`);
    for (const formId of ['informedConsent', 'demographics'] as const) {
      const entries = Object.fromEntries(
        Object.entries(forms[formId] ?? {}).map(([item, value]) => [item, { value }]),
      );
      const saved = await coordinator.put(formUrl(participantId, 'screening', formId), {
        version: 0,
        entries,
      });
      expect(saved.statusCode, saved.body).toBe(200);
    }
    // A missing-data code is missing to the rules.
    const missing = await coordinator.put(formUrl(participantId, 'screening', 'labs'), {
      version: 0,
      entries: { creatinine: { missing: 'not_done', missingReason: 'sample haemolysed' } },
    });
    expect(missing.statusCode, missing.body).toBe(200);
  });
  afterAll(async () => t?.close());

  it('gives the recorded values keyed by form.item, missing codes as null', async () => {
    const response = await as(t.app, users.coordinator).get(
      `/api/v1/participants/${participantId}/values?visitKey=screening`,
    );
    expect(response.statusCode, response.body).toBe(200);
    const { values } = response.json();
    expect(values).toMatchObject({
      'demographics.sex': 'M',
      'demographics.birthDate': '1962-06-15',
      'informedConsent.consentDate': today,
      'labs.creatinine': null,
    });
    expect(Object.keys(values).every((key) => /^[A-Za-z]\w*\.[A-Za-z]\w*$/.test(key))).toBe(true);
  });

  it('refuses people of another site, a malformed id and an unknown participant', async () => {
    const other = await as(t.app, users.otherCoordinator).get(`/api/v1/participants/${participantId}/values`);
    expect(other.statusCode).toBe(403);
    const malformed = await as(t.app, users.coordinator).get('/api/v1/participants/not-a-uuid/values');
    expect(malformed.statusCode).toBe(400);
    const unknown = await as(t.app, users.coordinator).get(
      '/api/v1/participants/00000000-0000-4000-8000-000000000000/values',
    );
    expect(unknown.statusCode).toBe(404);
  });
});
