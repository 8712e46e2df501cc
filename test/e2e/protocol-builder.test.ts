import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiAddAccount, apiSignIn, launchBrowser } from '../support/browser.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-protocol-'));
const ADMIN = { email: 'admin@example.org', password: 'a strong root secret' };
const MANAGER = { email: 'dm@example.org', password: 'data manager secret' };
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  server = await startServerProcess(['--port', String(port), '--data', dataDir], {
    EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
    EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    // Each account signs in once more to replace the administrator's first password.
    EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
  });
  const headers = await apiSignIn(server.url, ADMIN.email, ADMIN.password);
  await apiAddAccount(server.url, headers, {
    ...MANAGER,
    name: 'Dana Manager',
    roles: ['data_manager'],
    siteIds: [],
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

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
