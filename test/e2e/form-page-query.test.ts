import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// A query's whole life on the form page: the monitor raises it (with Enter and with the button), the
// site answers it, the monitor closes it; the page itself is never submitted on the way.

const COORDINATOR = trialStaff.coordinator.email;
const MONITOR = trialStaff.monitor.email;
const TIMEOUT = { timeout: 15_000 };

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({ name: 'query', staff: ['coordinator', 'investigator', 'monitor'] });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Opens the screening vitals form and records every write the page sends from then on. */
async function openVitals(page: Page, participantId: string): Promise<string[]> {
  const writes: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'GET') writes.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  await page.goto(`${server.url}/participants/${participantId}/forms/vitals?visit=screening&instance=1`);
  await expect.poll(() => page.getByTestId('item-spo2').count(), TIMEOUT).toBe(1);
  return writes;
}

const status = (page: Page, itemId: string) =>
  page.getByTestId(`query-${itemId}`).locator('.mantine-Badge-label').first().textContent();

it('raises a query from a form page, the site answers it and the monitor closes it', async () => {
  const { participantId } = await enrolThroughApi(server.url);
  const monitor = await signInPage(browser, server.url, MONITOR, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await monitor.screenshot({ path: `${SHOTS}/form-page-query-failure.png`, fullPage: true });
  });
  const monitorWrites = await openVitals(monitor, participantId);
  const formUrl = monitor.url();

  // Raised with Enter in the question box.
  const spo2 = monitor.getByTestId('item-spo2');
  await spo2.getByRole('button', { name: 'Raise a query' }).click();
  await spo2.getByLabel('Question to the site').fill('Was this measured on room air?');
  await spo2.getByLabel('Question to the site').press('Enter');
  await expect.poll(() => status(monitor, 'spo2'), TIMEOUT).toBe('Open');
  // Raised with the button.
  const heartRate = monitor.getByTestId('item-heartRate');
  await heartRate.getByRole('button', { name: 'Raise a query' }).click();
  await heartRate.getByLabel('Question to the site').fill('Please check the monitor printout.');
  await heartRate.getByRole('button', { name: 'Raise a query' }).click();
  await expect.poll(() => status(monitor, 'heartRate'), TIMEOUT).toBe('Open');
  // Two queries and nothing else was sent; the page stayed where it was.
  expect(monitorWrites).toEqual(['POST /api/v1/queries', 'POST /api/v1/queries']);
  expect(monitor.url()).toBe(formUrl);
  expect(await spo2.getByRole('button', { name: 'Raise a query' }).count()).toBe(1);

  // The coordinator answers the SpO2 query on the same page.
  const coordinator = await signInPage(browser, server.url, COORDINATOR, PASSWORD, { timeZone: ZONE });
  const coordinatorWrites = await openVitals(coordinator, participantId);
  const thread = coordinator.getByTestId('query-spo2');
  await expect.poll(() => thread.count(), TIMEOUT).toBe(1);
  expect(await thread.textContent()).toContain('Was this measured on room air?');
  await thread.getByLabel('Your answer or comment').fill('Yes, room air, at rest.');
  await thread.getByRole('button', { name: 'Answer' }).click();
  await expect.poll(() => status(coordinator, 'spo2'), TIMEOUT).toBe('Answered');
  expect(coordinatorWrites).toHaveLength(1);
  expect(coordinatorWrites[0]).toMatch(/^POST \/api\/v1\/queries\/[^/]+\/answer$/);

  // The monitor closes it.
  await monitor.reload();
  await expect.poll(() => status(monitor, 'spo2'), TIMEOUT).toBe('Answered');
  const closing = monitor.getByTestId('query-spo2');
  expect(await closing.textContent()).toContain('Yes, room air, at rest.');
  await closing.getByLabel('Your answer or comment').fill('Thank you, resolved.');
  await closing.getByRole('button', { name: 'Close' }).click();
  await expect.poll(() => status(monitor, 'spo2'), TIMEOUT).toBe('Closed');
  expect(await status(monitor, 'heartRate')).toBe('Open');
  await monitor.screenshot({ path: `${SHOTS}/form-page-query.png`, fullPage: true });

  // The record behind the screen.
  const api = await apiSignIn(server.url, MONITOR, PASSWORD);
  const queries = await expectApiCall(server.url, api, 'GET', '/queries?limit=50', undefined, 200);
  const byItem = Object.fromEntries(
    (queries.items as Array<{ itemId: string; status: string }>).map((query) => [query.itemId, query.status]),
  );
  expect(byItem).toEqual({ spo2: 'closed', heartRate: 'open' });
});
