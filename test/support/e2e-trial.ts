import { expect } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { apiSignIn } from './browser.ts';

type Headers = Record<string, string>;
const HOUR = 3_600_000;

/** One API call of a browser test's set-up, which must answer `status`; its JSON body. */
export async function expectApiCall(
  serverUrl: string,
  headers: Headers,
  method: string,
  path: string,
  body: unknown,
  status: number,
) {
  const response = await fetch(`${serverUrl}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBe(status);
  return JSON.parse(text);
}

/** The calendar date (YYYY-MM-DD) of an instant at a site in `zone`. */
export function siteDate(at: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

const entries = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

function consentTime(zone: string, screeningDate: string): string {
  const earlier = new Date(Date.now() - 3 * HOUR);
  return (siteDate(earlier, zone) === screeningDate ? earlier : new Date()).toISOString();
}

/**
 * Screens, consents, confirms (the investigator's e-signature) and enrols a participant through the
 * API, with day 1 today at the site.
 */
export async function enrolThroughApi(
  serverUrl: string,
  staff: { site: string; zone: string; coordinator: string; investigator: string; password: string },
): Promise<{ participantId: string; studyNumber: string }> {
  const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
    expectApiCall(serverUrl, headers, method, path, body, status);
  const day1 = siteDate(new Date(), staff.zone);
  const coordinator = await apiSignIn(serverUrl, staff.coordinator, staff.password);
  const { participantId } = await call(
    coordinator,
    'POST',
    '/participants',
    { siteId: staff.site, screeningDate: day1 },
    201,
  );
  await call(
    coordinator,
    'POST',
    `/participants/${participantId}/consent`,
    // Three hours ago, unless that was the day before screening at the site (consent may not precede it).
    { formVersion: '1.0', consentedAt: consentTime(staff.zone, day1), signer: 'participant' },
    201,
  );
  const assessedAt = new Date(Date.now() - 2 * HOUR).toISOString();
  for (const [formId, values] of Object.entries(eligibleScreeningForms(day1, assessedAt))) {
    await call(
      coordinator,
      'PUT',
      `/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
      { version: 0, entries: entries(values) },
      200,
    );
  }
  const investigator = await apiSignIn(serverUrl, staff.investigator, staff.password);
  await call(
    investigator,
    'POST',
    `/participants/${participantId}/eligibility/confirm`,
    { password: staff.password },
    200,
  );
  const detail = await call(coordinator, 'GET', `/participants/${participantId}`, undefined, 200);
  const enrolled = await call(
    coordinator,
    'POST',
    `/participants/${participantId}/enrol`,
    { day1Date: day1, version: detail.version },
    200,
  );
  return { participantId, studyNumber: enrolled.studyNumber };
}
