import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  entries,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  SITE,
  siteDate,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';

// The investigator's emergency unblinding on the participant page of the randomised example: the
// button opens a dialog asking for a reason and the password; after it the arm is shown, and the
// coordinator of the same participant still sees no arm.

const TIMEOUT = { timeout: 15_000 };
const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const statistician = {
  email: 'statistician@example.org',
  name: 'Stella Statistician',
  role: 'statistician',
  siteIds: [],
};
const armNames = /MSCs-Exo aerosol inhalation|Placebo \(nebulised saline\)/;

let trial: TrialServer;
let participantId: string;

/** A participant of the randomised example, screened (severe), consented, confirmed and enrolled through the API. */
async function enrolRandomised(url: string): Promise<string> {
  const call = (
    headers: Record<string, string>,
    method: string,
    path: string,
    body: unknown,
    status: number,
  ) => expectApiCall(url, headers, method, path, body, status);
  const stat = await apiSignIn(url, statistician.email, PASSWORD);
  const list = await call(stat, 'POST', '/randomisation/list', { seed: 2026 }, 200);
  await call(stat, 'POST', '/randomisation/list/seal', { listHash: list.listHash }, 200);
  const day1 = siteDate(new Date(), ZONE);
  const coordinator = await apiSignIn(url, trialStaff.coordinator.email, PASSWORD);
  const { participantId: id } = await call(
    coordinator,
    'POST',
    '/participants',
    { siteId: SITE, screeningDate: day1 },
    201,
  );
  const startOfDay = Date.parse(`${day1}T00:00:00+08:00`);
  const consentedAt = new Date(Math.max(startOfDay, Date.now() - 60_000)).toISOString();
  await call(
    coordinator,
    'POST',
    `/participants/${id}/consent`,
    { formVersion: '1.0', consentedAt, signer: 'participant' },
    201,
  );
  const forms = eligibleScreeningForms(day1, consentedAt);
  forms.screening = { ...forms.screening, diseaseSeverity: 'severe' };
  for (const [formId, values] of Object.entries(forms)) {
    const path = `/participants/${id}/visits/screening/forms/${formId}?instance=1`;
    await call(coordinator, 'PUT', path, { version: 0, entries: entries(values) }, 200);
  }
  const investigator = await apiSignIn(url, trialStaff.investigator.email, PASSWORD);
  await call(investigator, 'POST', `/participants/${id}/eligibility/confirm`, { password: PASSWORD }, 200);
  const detail = await call(coordinator, 'GET', `/participants/${id}`, undefined, 200);
  await call(
    coordinator,
    'POST',
    `/participants/${id}/enrol`,
    { day1Date: day1, version: detail.version },
    200,
  );
  return id;
}

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'unblinding',
    staff: [statistician, 'coordinator', 'investigator'],
    env: { EXOTRIAL_PROTOCOL: rctProtocol },
  });
  participantId = await enrolRandomised(trial.server.url);
}, 240_000);

afterAll(async () => trial?.close());

it('the investigator unblinds a participant with a reason and the password and sees the arm; the coordinator does not', async () => {
  const { server, browser } = trial;
  const page = await signInPage(browser, server.url, trialStaff.investigator.email, PASSWORD, {
    timeZone: ZONE,
  });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/emergency-unblinding-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/participants/${participantId}`);
  const button = page.getByTestId('emergency-unblind');
  await button.waitFor(TIMEOUT);
  expect(await page.getByTestId('participant-arm').count()).toBe(0);
  await button.click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason').fill('Anaphylaxis: treatment depends on the product given');
  await dialog.getByLabel('Your password').fill('not the password');
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect
    .poll(() => page.getByTestId('unblinding-error').textContent(), TIMEOUT)
    .toContain('The password is not correct');
  await dialog.getByLabel('Your password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  const arm = page.getByTestId('participant-arm');
  await expect.poll(() => arm.textContent(), TIMEOUT).toMatch(armNames);
  expect(await page.getByText(/Unblinded by .*Anaphylaxis/).count()).toBe(1);
  expect(await page.getByTestId('emergency-unblind').count()).toBe(0);

  const coordinator = await signInPage(browser, server.url, trialStaff.coordinator.email, PASSWORD, {
    timeZone: ZONE,
  });
  await coordinator.goto(`${server.url}/participants/${participantId}`);
  await coordinator.getByText(/Unblinded by/).waitFor(TIMEOUT);
  const text = (await coordinator.locator('main').textContent()) ?? '';
  expect(text).not.toMatch(armNames);
  expect(await coordinator.getByTestId('emergency-unblind').count()).toBe(0);
});
