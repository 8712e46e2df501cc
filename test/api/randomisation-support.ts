import { expect } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import type { TestApp } from '../support/test-app.ts';
import { as, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

/** Today at the example's sites (Asia/Shanghai): screening, consent and day 1 are dates there, not in UTC. */
export const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
/** A minute ago, but never before the day began at the site. */
const justBefore = () =>
  new Date(Math.max(Date.parse(`${today}T00:00:00+08:00`), Date.now() - 60_000)).toISOString();
const formUrl = (participantId: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/${formId}?instance=1`;

/** A consented participant of the randomised example whose eligibility the investigator confirmed, ready to enrol. */
export async function readyIn(
  t: TestApp,
  users: TrialUsers,
  severity: 'severe' | 'critical' | null,
): Promise<string> {
  const coordinator = as(t.app, users.coordinator);
  const screened = await coordinator.post('/api/v1/participants', {
    siteId: users.siteId,
    screeningDate: today,
  });
  expect(screened.statusCode, screened.body).toBe(201);
  const participantId: string = screened.json().participantId;
  const consent = await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
    formVersion: '1.0',
    consentedAt: justBefore(),
    signer: 'participant',
  });
  expect(consent.statusCode, consent.body).toBe(201);
  const forms = eligibleScreeningForms(today, justBefore());
  if (severity) forms.screening = { ...forms.screening, diseaseSeverity: severity };
  for (const [formId, values] of Object.entries(forms)) {
    const entries = Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
    const saved = await coordinator.put(formUrl(participantId, formId), { version: 0, entries });
    expect(saved.statusCode, `${formId}: ${saved.body}`).toBe(200);
  }
  const confirmed = await as(t.app, users.investigator).post(
    `/api/v1/participants/${participantId}/eligibility/confirm`,
    { password: PASSWORD },
  );
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  return participantId;
}

/** Enrols the participant on today's date as the coordinator. */
export async function enrolIn(t: TestApp, users: TrialUsers, participantId: string) {
  const coordinator = as(t.app, users.coordinator);
  const detail = await coordinator.get(`/api/v1/participants/${participantId}`);
  return coordinator.post(`/api/v1/participants/${participantId}/enrol`, {
    day1Date: today,
    version: detail.json().version,
  });
}

export { createStatistician } from '../support/randomised-study.ts';
