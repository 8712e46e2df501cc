import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  siteDate,
  siteLocal,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// Re-consent in the browser: an amendment brings consent form 2.0; the data manager records the
// site's ethics approval on the protocol page, after which the enrolled participant, who signed 1.0,
// carries a warning on the participant page, the form pages, the participant list and the worklist
// (in English and Chinese) until the coordinator records the re-consent, with an impartial witness.

const TIMEOUT = { timeout: 15_000 };
const versionLine = '    - { label: "1.0", date: "2020-02-15", languages: [zh, en] }';
const amended = readFileSync('protocols/mexcovid.yaml', 'utf8')
  .replace(/^version: .*$/m, 'version: "1.1"')
  .replace(versionLine, `${versionLine}\n    - { label: "2.0", date: "2020-03-01", languages: [zh, en] }`);

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let participantId = '';
let studyNumber = '';

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'reconsent',
    staff: ['coordinator', 'investigator', 'dataManager'],
  });
  ({ server, browser } = trial);
  ({ participantId, studyNumber } = await enrolThroughApi(server.url));
  const dataManager = await apiSignIn(server.url, trialStaff.dataManager.email, PASSWORD);
  await expectApiCall(
    server.url,
    dataManager,
    'POST',
    '/protocol/versions',
    { source: amended, reason: 'Consent form 2.0' },
    201,
  );
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/reconsent-failure.png`, fullPage: true });
  });
  return page;
}

it('the data manager records the site’s approval of the amendment on the protocol page', async () => {
  const page = await openAs(trialStaff.dataManager.email);
  await page.goto(`${server.url}/forms`);
  await page.getByRole('tab', { name: 'Sites' }).click();
  const site = page.getByTestId('site-approvals').locator('tr[data-site="ruijin"]');
  await expect.poll(() => site.getByTestId('working-version').textContent(), TIMEOUT).toBe('1.0 (#1)');
  await page.getByLabel('Protocol version').selectOption('2');
  await page.getByLabel('Date of the ethics approval').fill(siteDate(new Date(), ZONE));
  await page.getByRole('button', { name: 'Record approval' }).click();
  await expect
    .poll(() => page.getByRole('status').textContent(), TIMEOUT)
    .toContain('works under version 1.1');
  await expect.poll(() => site.getByTestId('working-version').textContent(), TIMEOUT).toBe('1.1 (#2)');
  await page.context().close();
});

it('warns on every data-entry page until the re-consent is recorded, in English and Chinese', async () => {
  const page = await openAs(trialStaff.coordinator.email);
  await page.goto(`${server.url}/participants`);
  const badge = page.getByTestId('reconsent-badge');
  await expect.poll(() => badge.textContent(), TIMEOUT).toBe('Re-consent 2.0');

  await page.goto(`${server.url}/worklist`);
  const listed = page
    .getByTestId('worklist')
    .locator('tr', { hasText: studyNumber })
    .getByTestId('reconsent-badge');
  await expect.poll(() => listed.count(), TIMEOUT).toBe(1);

  await page.goto(`${server.url}/participants/${participantId}/forms/vitals?visit=screening&instance=1`);
  const warning = page.getByTestId('reconsent-warning');
  await expect.poll(() => warning.textContent(), TIMEOUT).toContain('version 2.0 is now in force');
  // The screening vitals were entered before the site approved the amendment.
  expect(await page.getByTestId('form-protocol-version').textContent()).toBe(
    'Entered under protocol version 1',
  );

  await page.goto(`${server.url}/participants/${participantId}`);
  await expect.poll(() => warning.textContent(), TIMEOUT).toContain('signed consent form version 1.0');
  const worklistBadge = page.getByTestId('participant-worklist-counts').getByTestId('reconsent-badge');
  await expect.poll(() => worklistBadge.count(), TIMEOUT).toBe(1);
  await page.getByText('简体中文').click();
  await expect.poll(() => warning.textContent(), TIMEOUT).toContain('现行版本为 2.0 版');
  expect(await page.getByTestId('record-reconsent').textContent()).toBe('记录再次知情同意');
  await page.getByText('English').click();
  await expect
    .poll(() => page.getByTestId('record-reconsent').textContent(), TIMEOUT)
    .toBe('Record re-consent');

  await page.getByTestId('record-reconsent').click();
  const dialog = page.getByRole('dialog');
  expect(await dialog.getByLabel('Consent form version').inputValue()).toBe('2.0');
  // A minute ahead (within the server's grace for clocks), so the re-consent follows the first one to the minute.
  const signedAt = siteLocal(new Date(Date.now() + 60_000));
  await dialog.getByLabel('Signed on (date and time)').fill(signedAt);
  await dialog.getByLabel('The participant (or representative) cannot read or sign').check();
  await dialog.getByLabel("Impartial witness's name").fill('Wang Li');
  await dialog.getByLabel('Witness signed on (date and time)').fill(signedAt);
  await dialog.getByRole('button', { name: 'Record consent' }).click();
  await expect.poll(() => warning.count(), TIMEOUT).toBe(0);
  const consents = page.getByTestId('consent-list').locator('tbody tr');
  await expect.poll(() => consents.count(), TIMEOUT).toBe(2);
  expect(await consents.nth(1).getByTestId('consent-witness').textContent()).toContain('Wang Li');
  expect(await page.getByTestId('record-reconsent').count()).toBe(0);
  await expect.poll(() => worklistBadge.count(), TIMEOUT).toBe(0);
  // The re-consent rewrote the consent form's copies after enrolment: the enrolment stands, and the
  // page does not ask for eligibility to be confirmed again "before enrolment".
  const changed = page.getByTestId('eligibility-changed-after-enrolment');
  await expect.poll(() => changed.count(), TIMEOUT).toBe(1);
  expect(await page.getByText(/must confirm again before enrolment/).count()).toBe(0);
  expect(await page.getByTestId('eligibility-confirmed').count()).toBe(1);
  await page.screenshot({ path: `${SHOTS}/reconsent-recorded.png`, fullPage: true });

  await page.goto(`${server.url}/participants/${participantId}/forms/vitals?visit=screening&instance=1`);
  await expect.poll(() => page.getByTestId('form-protocol-version').count(), TIMEOUT).toBe(1);
  expect(await warning.count()).toBe(0);
  await page.goto(`${server.url}/participants`);
  await expect.poll(() => page.getByText(studyNumber).count(), TIMEOUT).toBeGreaterThan(0);
  expect(await badge.count()).toBe(0);
  await page.context().close();
});
