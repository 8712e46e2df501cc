import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { signInPage } from '../support/browser.ts';
import {
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The statistician's page on the randomised example: generate the list from a seed, look at it per
// stratum with its arms, seal it; a coordinator (blinded) sees that it is sealed and no arm.

const TIMEOUT = { timeout: 15_000 };
const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const statistician = {
  email: 'statistician@example.org',
  name: 'Stella Statistician',
  role: 'statistician',
  siteIds: [],
};

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'randomisation',
    staff: [statistician, 'coordinator'],
    env: { EXOTRIAL_PROTOCOL: rctProtocol },
  });
  ({ server, browser } = trial);
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/randomisation-failure.png`, fullPage: true });
  });
  return page;
}

it('the statistician generates the list from a seed, reads it per stratum with its arms and seals it; a coordinator sees it sealed and no arm', async () => {
  const page = await openAs(statistician.email);
  await page.goto(`${server.url}/randomisation`);
  const status = page.getByTestId('randomisation-status');
  await expect.poll(() => status.textContent(), TIMEOUT).toContain('Not generated yet');

  await page.getByTestId('randomisation-seed').fill('2026');
  await page.getByRole('button', { name: 'Generate the list' }).click();
  await expect
    .poll(() => page.getByTestId('randomisation-message').textContent(), TIMEOUT)
    .toBe('The list is generated: check it below, then seal it.');
  await expect.poll(() => status.textContent(), TIMEOUT).toContain('Generated, waiting to be sealed');
  const hash = await page.getByTestId('randomisation-hash').textContent();
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
  const table = page.getByTestId('randomisation-list');
  await expect.poll(() => table.locator('tbody tr').count(), TIMEOUT).toBeGreaterThanOrEqual(36);
  const text = (await table.textContent()) ?? '';
  expect(text).toContain('R01-0001');
  expect(text).toContain('Placebo (nebulised saline)');
  expect(text).toContain('MSCs-Exo aerosol inhalation');
  expect(await page.getByText('Seed 2026. The entries match the list hash.').count()).toBe(1);

  await page.getByRole('button', { name: 'Seal this list' }).click();
  await page.getByTestId('randomisation-seal').click();
  await expect
    .poll(() => page.getByTestId('randomisation-message').textContent(), TIMEOUT)
    .toBe('The list is sealed.');
  await expect.poll(() => status.textContent(), TIMEOUT).toContain('Sealed by Stella Statistician');
  expect(await page.getByRole('button', { name: 'Generate the list' }).count()).toBe(0);

  const coordinator = await openAs(trialStaff.coordinator.email);
  await coordinator.goto(`${server.url}/randomisation`);
  const seen = coordinator.getByTestId('randomisation-status');
  await expect.poll(() => seen.textContent(), TIMEOUT).toContain('Sealed');
  expect(await seen.textContent()).toContain(hash);
  const body = (await coordinator.locator('main').textContent()) ?? '';
  expect(body).toContain('The list and its arms are shown to unblinded roles only.');
  expect(body).not.toMatch(/Placebo|MSCs-Exo aerosol|Seed 2026/);
  expect(await coordinator.getByTestId('randomisation-list').count()).toBe(0);
});
