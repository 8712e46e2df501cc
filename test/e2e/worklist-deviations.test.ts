import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  siteDate,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The worklist and the deviation log in the browser: a participant enrolled today (day 1 at the
// site) has forms due today and screening forms missing; a monitor records a deviation on the
// participant page (by keyboard) and the investigator confirms it on the deviation log.

const TIMEOUT = { timeout: 15_000 };
const DESCRIPTION = 'Chest CT at screening done on a different scanner than the protocol names.';

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let participantId = '';
let studyNumber = '';

type Headers = Record<string, string>;
const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);

beforeAll(async () => {
  trial = await startTrialServer({ name: 'worklist', staff: ['coordinator', 'investigator', 'monitor'] });
  ({ server, browser } = trial);
  ({ participantId, studyNumber } = await enrolThroughApi(server.url));
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  if (viewport) await page.setViewportSize(viewport);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/worklist-failure.png`, fullPage: true });
  });
  return page;
}

const pageWidth = (page: Page) =>
  page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));

it('the worklist shows the forms due today and missing with how late, filtered by state, and counts them on the overview', async () => {
  const monitor = await apiSignIn(server.url, trialStaff.monitor.email, PASSWORD);
  const expected = await call(monitor, 'GET', '/worklist', undefined, 200);
  const mine = expected.participants.find(
    (entry: { participantId: string }) => entry.participantId === participantId,
  );
  // Day 1 is today at the site: its daily status is due, and screening (day 0, window −2/+0) closed yesterday.
  expect(mine.today).toBe(siteDate(new Date(), ZONE));
  const states = new Set(mine.items.map((item: { state: string }) => item.state));
  expect(states.has('due-today')).toBe(true);
  expect(states.has('missing')).toBe(true);

  const page = await openAs(trialStaff.monitor.email, { width: 390, height: 844 });
  const overview = page.getByTestId('overview-worklist');
  await expect.poll(() => overview.count(), TIMEOUT).toBe(1);
  expect(await overview.textContent()).toContain(`Due today${expected.counts.dueToday}`);
  await overview.getByRole('link', { name: /Missing/ }).click();
  await expect.poll(() => page.getByTestId('worklist').count(), TIMEOUT).toBe(1);
  expect(await page.getByLabel('State').inputValue()).toBe('missing');
  const rows = page.getByTestId('worklist').locator('tbody tr');
  await expect.poll(() => rows.count(), TIMEOUT).toBe(expected.counts.missing);
  const missingText = (await page.getByTestId('worklist').textContent()) ?? '';
  expect(missingText).toContain(studyNumber);
  // Screening (day 0) closed yesterday: each missing form is one day late.
  expect(await rows.getByRole('cell', { name: '1 d', exact: true }).count()).toBe(expected.counts.missing);
  expect(missingText).not.toContain('Due today');
  expect((await pageWidth(page)).scroll).toBeLessThanOrEqual(390);

  // All three states again, chosen by keyboard in the State select.
  await page.getByLabel('State').focus();
  await page.keyboard.press('Home');
  await expect
    .poll(() => page.getByTestId('worklist').locator('tbody tr').count(), TIMEOUT)
    .toBe(expected.counts.dueToday + expected.counts.overdue + expected.counts.missing);
  await expect
    .poll(() => page.getByTestId('worklist-counts').textContent(), TIMEOUT)
    .toBe(
      `${expected.counts.dueToday} due today · ${expected.counts.overdue} overdue · ${expected.counts.missing} missing`,
    );
  const dailyRow = page
    .getByTestId('worklist')
    .locator('tbody tr')
    .filter({ hasText: 'Daily clinical status' })
    .filter({ hasText: 'Due today' });
  expect(await dailyRow.count()).toBe(1);
  await page.screenshot({ path: `${SHOTS}/worklist-390.png`, fullPage: true });
}, 120_000);

it('a monitor records a deviation on the participant page and the investigator confirms it on the log', async () => {
  const page = await openAs(trialStaff.monitor.email);
  await page.goto(`${server.url}/participants/${participantId}`);
  await expect.poll(() => page.getByTestId('participant-worklist-counts').count(), TIMEOUT).toBe(1);
  await page.getByRole('button', { name: 'Record a deviation' }).click();
  const form = page.getByTestId('record-deviation');
  await form.getByLabel('Visit').selectOption('screening');
  await form.getByLabel('Date').fill(siteDate(new Date(), ZONE));
  await form.getByLabel('Category').selectOption('study-procedure');
  await form.getByLabel('Major or minor').selectOption('major');
  await form.getByLabel('Description').fill(DESCRIPTION);
  // Saved from the keyboard.
  await form.getByRole('button', { name: 'Save the deviation' }).focus();
  await page.keyboard.press('Enter');
  const log = page.getByTestId('deviation-log');
  await expect.poll(() => log.count(), TIMEOUT).toBe(1);
  expect(await log.textContent()).toContain(DESCRIPTION);
  expect(await log.getByTestId('deviation-status').textContent()).toBe('Proposed');

  const investigator = await openAs(trialStaff.investigator.email);
  await investigator.goto(`${server.url}/deviations`);
  const row = investigator.getByTestId('deviation-log').locator('tbody tr').filter({ hasText: DESCRIPTION });
  await expect.poll(() => row.count(), TIMEOUT).toBe(1);
  expect(await row.textContent()).toContain('Reported by Mo Monitor');
  await row.getByLabel('Corrective action').fill('Scanner list sent to the radiology department.');
  await row.getByRole('button', { name: 'Confirm' }).click();
  await expect.poll(() => row.getByTestId('deviation-status').textContent(), TIMEOUT).toBe('Confirmed');
  expect(await row.textContent()).toContain('Confirmed by Ivy Investigator');
  await investigator.screenshot({ path: `${SHOTS}/deviation-log.png`, fullPage: true });

  const headers = await apiSignIn(server.url, trialStaff.monitor.email, PASSWORD);
  const stored = await call(headers, 'GET', `/deviations?participantId=${participantId}`, undefined, 200);
  expect(stored.deviations).toEqual([
    expect.objectContaining({
      status: 'confirmed',
      severity: 'major',
      category: 'study-procedure',
      visitId: 'screening',
      description: DESCRIPTION,
      correctiveAction: 'Scanner list sent to the radiology department.',
      reportedBy: trialStaff.monitor.name,
      decidedBy: trialStaff.investigator.name,
    }),
  ]);
}, 120_000);
