import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiSignIn } from '../support/browser.ts';
import { startTrialServer, type TrialServer } from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

let trial: TrialServer;
const MANAGER = { email: 'dm@example.org', password: 'data manager secret' };
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'protocol',
    staff: [{ ...MANAGER, name: 'Dana Manager', role: 'data_manager' }],
  });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

it('shows the protocol and lets a data manager amend an item, checking the rule as it is typed', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(MANAGER.email);
  await page.getByLabel(/^Password/).fill(MANAGER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Forms' }).click();

  await expect.poll(() => page.getByTestId('schedule-grid').count(), { timeout: 15_000 }).toBe(1);
  expect(await page.getByTestId('schedule-grid').textContent()).toContain('Day 1 (dose 1)');
  await page.getByRole('tab', { name: 'Eligibility' }).click();
  await expect.poll(() => page.getByText('Inclusion criteria (all must be met)').count()).toBe(1);

  await page.getByRole('tab', { name: 'Edit' }).click();
  await expect.poll(() => page.getByTestId('item-editor').count(), { timeout: 15_000 }).toBe(1);
  // The first form is informed consent; its first item is consentSigned. Edit the English label.
  const label = page.getByLabel('Label (English)');
  await label.fill('Informed consent form signed and dated');
  const showIf = page.getByTestId('show-if');
  await showIf.fill('informedConsent.consentDate > 3');
  await expect.poll(() => page.getByText(/date|number/i).count()).toBeGreaterThan(0);
  await showIf.fill('');
  expect(await page.getByTestId('protocol-yaml').inputValue()).toContain(
    'Informed consent form signed and dated',
  );

  await page.getByLabel('Reason for the amendment').fill('Clearer consent label');
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await expect
    .poll(() => page.getByRole('status').textContent(), { timeout: 15_000 })
    .toContain('protocol version 2');

  await page.getByRole('tab', { name: 'Versions' }).click();
  await expect.poll(() => page.getByRole('row').count()).toBe(3);
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/protocol-versions.png', fullPage: true });

  const headers = await apiSignIn(server.url, MANAGER.email, MANAGER.password);
  const current = await (await fetch(`${server.url}/api/v1/protocol`, { headers })).json();
  expect(current.versionNo).toBe(2);
  expect(current.protocol.forms[0].items[0].label.en).toBe('Informed consent form signed and dated');
});

it('simulates the stopping rules on the Forms page before the first patient', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(MANAGER.email);
  await page.getByLabel(/^Password/).fill(MANAGER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Forms' }).click();
  await page.getByRole('tab', { name: 'Stopping rules' }).click();

  const rates = page.getByLabel('True event rates');
  await rates.fill('5%, tenth');
  await expect.poll(() => page.getByText('Give rates from 0 to 100 %, comma-separated.').count()).toBe(1);
  expect(await page.getByRole('button', { name: 'Simulate' }).isDisabled()).toBe(true);
  await rates.fill('5%, 0.1');
  await page.getByRole('button', { name: 'Simulate' }).click();
  await expect
    .poll(() => page.getByText(/participants, 10000 simulated trials per rate, seed 1\./).count(), {
      timeout: 30_000,
    })
    .toBe(1);
  const monitor = page.getByRole('table', { name: 'related-serious-rate' });
  const rows = monitor.getByRole('row');
  await expect.poll(() => rows.count()).toBe(3);
  expect(await rows.nth(1).textContent()).toMatch(/^5\.0 %\d+\.\d % ± \d+\.\d %/);
  expect(await rows.nth(2).textContent()).toMatch(/^10\.0 %/);
  await page.close();
});
