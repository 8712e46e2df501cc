import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
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
import { oruMessage } from '../support/lab-messages.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The review queue of laboratory results in the browser: a message from the hospital laboratory names
// a patient by an identifier no participant has; the coordinator sends one result to the participant
// (at the day 3 visit, with the reason) and dismisses the other with its reason.

const TIMEOUT = { timeout: 15_000 };

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let participantId = '';
let studyNumber = '';

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'lab-review',
    staff: ['dataManager', 'coordinator', 'investigator'],
  });
  ({ server, browser } = trial);
  ({ participantId, studyNumber } = await enrolThroughApi(server.url));
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/lab-review-failure.png`, fullPage: true });
  });
  return page;
}

it('the coordinator assigns a waiting laboratory result to a participant and dismisses another, each with a reason', async () => {
  const today = siteDate(new Date(), ZONE);
  const manager = await apiSignIn(server.url, trialStaff.dataManager.email, PASSWORD);
  const message = oruMessage('E2E-1', [
    {
      hospitalId: 'MRN-E2E',
      collectedAt: `${today.replaceAll('-', '')}0800`,
      results: [
        { loinc: '1742-6', name: 'ALT', value: '42', unit: 'U/L' },
        { loinc: '1920-8', name: 'AST', value: '30', unit: 'U/L' },
      ],
    },
  ]);
  const received = await expectApiCall(
    server.url,
    { ...manager, 'content-type': 'application/hl7-v2' },
    'POST',
    // No site lists the laboratory's sending facility yet: the poster names the site.
    `/lab-messages/hl7?site=${SITE}`,
    message,
    200,
  );
  expect(received).toMatchObject({ ackCode: 'AA', written: 0, review: 2 });

  const page = await openAs(trialStaff.coordinator.email);
  // A patient screened with the medical record number by which the laboratory names them.
  await page.getByRole('navigation').getByRole('link', { name: 'Participants' }).click();
  await page.getByRole('button', { name: 'Screen a patient' }).click();
  await page.getByLabel('Hospital record number (optional)').fill('MRN-SCREENED');
  await page.getByRole('button', { name: 'Create screening number' }).click();
  await page.waitForURL(/\/participants\/[0-9a-f-]{36}$/, TIMEOUT);
  const screenedId = page.url().split('/').pop() ?? '';
  const coordinatorApi = await apiSignIn(server.url, trialStaff.coordinator.email, PASSWORD);
  const recorded = await expectApiCall(
    server.url,
    coordinatorApi,
    'GET',
    `/participants/${screenedId}/hospital-id`,
    undefined,
    200,
  );
  expect(recorded).toEqual({ hospitalId: 'MRN-SCREENED' });

  await page.getByRole('navigation').getByRole('link', { name: 'Lab results' }).click();
  await page.getByRole('heading', { name: 'Laboratory results to review' }).waitFor(TIMEOUT);
  const rows = page.getByTestId('lab-result-row');
  await expect.poll(() => rows.count(), TIMEOUT).toBe(2);
  const alt = rows.filter({ hasText: '1742-6' });
  expect(await alt.textContent()).toContain('MRN-E2E');
  expect(await alt.textContent()).toContain('No participant has this hospital identifier');
  await page.screenshot({ path: `${SHOTS}/lab-review-queue.png`, fullPage: true });

  await alt.getByRole('button', { name: 'Review' }).click();
  const decision = page.getByTestId('lab-result-decision');
  await decision.getByLabel('Participant (study or screening number)').fill(studyNumber);
  await decision.getByLabel('Visit (leave empty to choose by the collection date)').fill('day-3');
  await decision.getByLabel('Reason').fill('Hospital record number corrected by the ward');
  await decision.getByRole('button', { name: 'Write to this participant' }).click();
  await expect
    .poll(() => page.getByTestId('lab-results-message').textContent(), TIMEOUT)
    .toBe(`Written to ${studyNumber}, day-3, labs.alt.`);
  await expect.poll(() => rows.count(), TIMEOUT).toBe(1);

  // A reason is needed to dismiss: without one the server's message shows and nothing changes.
  await rows.first().getByRole('button', { name: 'Review' }).click();
  await decision.getByRole('button', { name: 'Dismiss' }).click();
  await expect.poll(() => decision.getByTestId('lab-result-error').count(), TIMEOUT).toBe(1);
  await decision.getByLabel('Reason').fill('Sample of a patient outside the trial');
  await decision.getByRole('button', { name: 'Dismiss' }).click();
  await expect.poll(() => page.getByTestId('lab-results-message').textContent(), TIMEOUT).toBe('Dismissed.');
  await expect
    .poll(() => page.getByText('No laboratory result is waiting for review.').count(), TIMEOUT)
    .toBe(1);

  const coordinator = await apiSignIn(server.url, trialStaff.coordinator.email, PASSWORD);
  const form = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/participants/${participantId}/visits/day-3/forms/labs?instance=1`,
    undefined,
    200,
  );
  expect(form.entries.alt.value).toBe(42);
  expect(form.entries.collectedOn.value).toBe(today);
  const dismissed = await expectApiCall(
    server.url,
    manager,
    'GET',
    '/lab-results?status=dismissed',
    undefined,
    200,
  );
  expect(dismissed.results).toMatchObject([
    {
      loinc: '1920-8',
      decisionReason: 'Sample of a patient outside the trial',
      decidedBy: trialStaff.coordinator.name,
    },
  ]);

  await page.getByText('简体中文').click();
  await page.getByRole('heading', { name: '待审核的检验结果' }).waitFor(TIMEOUT);
  await page.getByText('没有待审核的检验结果。').waitFor(TIMEOUT);
  await page.context().close();
});
