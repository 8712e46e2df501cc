import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signInPage } from '../support/browser.ts';
import { SITE, startTrialServer, TRIAL_ADMIN, type TrialServer } from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// An administrator sets the site's altitude and barometric pressure on the Sites page; the PaO2/FiO2
// correction reads them. The Forms area shows each item's plausibility range beside its hard limits.

const TIMEOUT = { timeout: 15_000 };
let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({ name: 'site-settings', staff: [] });
  ({ server, browser } = trial);
});
afterAll(async () => trial?.close());

it('an administrator sets the site altitude and pressure, refused without the pressure above 1000 m', async () => {
  const page = await signInPage(browser, server.url, TRIAL_ADMIN.email, TRIAL_ADMIN.password);
  await page.goto(`${server.url}/admin/sites`);
  const row = page.getByRole('row').filter({ hasText: SITE });
  await row.getByRole('button', { name: 'Settings' }).click();
  const form = page.getByTestId('site-settings');
  await form.getByLabel('Altitude').fill('3650');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('give it too').waitFor(TIMEOUT);
  await form.getByLabel('Barometric pressure').fill('495');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached', ...TIMEOUT });
  await row.getByText('3650 m').waitFor(TIMEOUT);
  expect(await row.textContent()).toContain('495 mmHg');
  await page.context().close();
});

it('an administrator lists the laboratories that send the site’s results, and reads them in Chinese', async () => {
  const page = await signInPage(browser, server.url, TRIAL_ADMIN.email, TRIAL_ADMIN.password);
  await page.goto(`${server.url}/admin/sites`);
  const row = page.getByRole('row').filter({ hasText: SITE });
  expect(await row.textContent()).toContain('None');
  await row.getByRole('button', { name: 'Settings' }).click();
  const form = page.getByTestId('site-lab-facilities');
  const field = form.getByLabel('Sending-facility identifiers');
  // An identifier longer than the server takes is refused with its message, and nothing is saved.
  await field.fill(`RJH-LAB\n${'X'.repeat(200)}`);
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByRole('alert').filter({ hasText: /180/ }).waitFor(TIMEOUT);
  expect(await row.textContent()).toContain('None');
  await field.fill('RJH-LAB\n\n  RJH-MICRO  \n');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByTestId('lab-facilities-saved').waitFor(TIMEOUT);
  await row.getByText('RJH-LAB, RJH-MICRO').waitFor(TIMEOUT);
  await page.getByText('简体中文').click();
  await page.getByRole('columnheader', { name: '检验科发送机构' }).waitFor(TIMEOUT);
  await page.context().close();
});

it('the Forms area shows the plausibility range of an item', async () => {
  const page = await signInPage(browser, server.url, TRIAL_ADMIN.email, TRIAL_ADMIN.password);
  await page.goto(`${server.url}/forms`);
  await page.getByRole('tab', { name: 'Forms' }).click();
  await page.getByLabel('Form', { exact: true }).first().click();
  await page.getByRole('option', { name: /^Vital signs/ }).click();
  await page.getByText('usual 34–41 (a value outside is saved with a query)').first().waitFor(TIMEOUT);
  await page.getByText('简体中文').click();
  await page.getByText('常见范围 34–41（超出时仍可保存，并生成质疑）').first().waitFor(TIMEOUT);
  await page.context().close();
});
