import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ADMIN = { email: 'ada@example.org', password: 'a very long password' };

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-identity-'));
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  server = await startServerProcess(['--port', String(port), '--data', dataDir], {
    EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
    EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('an administrator adds a user, reads the trail, sets up TOTP and signs in with a code', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  mkdirSync('test-results', { recursive: true });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Study overview' }).count(), { timeout: 15_000 })
    .toBe(1);

  await page.getByRole('link', { name: 'Admin' }).click();
  await expect.poll(() => page.url()).toMatch(/\/admin\/users$/);
  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('Chen Wei');
  await dialog.getByLabel('Email').fill('chen@example.org');
  await dialog.getByLabel('Roles').click();
  await page.getByRole('option', { name: 'Investigator', exact: true }).click();
  await dialog.getByRole('textbox', { name: /First password/ }).fill('another long passphrase');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect
    .poll(() => page.getByRole('cell', { name: 'chen@example.org' }).count(), { timeout: 15_000 })
    .toBe(1);
  await page.screenshot({ path: 'test-results/admin-users.png', fullPage: true });

  await page.getByRole('tab', { name: 'Audit trail' }).click();
  await expect
    .poll(() => page.getByTestId('audit-table').textContent(), { timeout: 15_000 })
    .toContain('User added');
  await page.screenshot({ path: 'test-results/admin-audit.png', fullPage: true });

  await page.getByRole('link', { name: 'My account' }).click();
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
  // The otpauth URI is offered as a QR code to scan.
  expect(await page.getByTestId('totp-qr').locator('svg').count()).toBe(1);
  await page.getByLabel('Code from your authenticator app').fill(await generate({ secret }));
  // Setting up the second factor asks for the password: a wrong one is refused and nothing changes.
  const totpPassword = page.getByTestId('totp-confirm').getByLabel('Your password');
  await totpPassword.fill('not the password');
  await page.getByRole('button', { name: 'Confirm with a code' }).click();
  await expect
    .poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 })
    .toContain('The password or the code is not correct');
  await totpPassword.fill(ADMIN.password);
  await page.getByRole('button', { name: 'Confirm with a code' }).click();
  await expect.poll(() => page.getByText('Two-step sign-in is on').count(), { timeout: 15_000 }).toBe(1);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect.poll(() => page.url()).toMatch(/\/login$/);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('alert').textContent()).toContain('6-digit code');
  const nextStep = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
  await page.getByLabel('Code from your authenticator app').fill(nextStep);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Study overview' }).count(), { timeout: 15_000 })
    .toBe(1);
});

it('a user the administrator created must choose a password first, then uses the app and changes it again on My account', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('chen@example.org');
  await page.getByRole('textbox', { name: 'Password' }).fill('another long passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Choose your own password' }).count(), { timeout: 15_000 })
    .toBe(1);
  // Nothing else is offered: no navigation, only the form and sign-out.
  expect(await page.getByRole('link', { name: 'Participants' }).count()).toBe(0);
  await page.goto(`${server.url}/participants`);
  await expect
    .poll(() => page.getByRole('heading', { name: 'Choose your own password' }).count(), { timeout: 15_000 })
    .toBe(1);

  const current = page.getByLabel('Current password');
  const fresh = page.getByRole('textbox', { name: /^New password/ }).first();
  const repeat = page.getByLabel('New password again');
  await current.fill('another long passphrase');
  await fresh.fill('my own sunrise phrase');
  await repeat.fill('my own sunrise phrase, or not');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect.poll(() => page.getByText('The two new passwords differ').count()).toBe(1);
  await current.fill('not the current one at all');
  await repeat.fill('my own sunrise phrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect
    .poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 })
    .toContain('current password is not correct');
  await current.fill('another long passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  // The app opens where the person was going (/participants), with its navigation.
  await expect
    .poll(() => page.getByRole('link', { name: 'Participants' }).count(), { timeout: 15_000 })
    .toBe(1);
  await page.getByRole('link', { name: 'Participants' }).click();
  await expect.poll(() => page.url()).toMatch(/\/participants$/);

  await page.getByRole('link', { name: 'My account' }).click();
  await page.getByLabel('Current password').fill('my own sunrise phrase');
  await page
    .getByRole('textbox', { name: /^New password/ })
    .first()
    .fill('another long passphrase');
  await page.getByLabel('New password again').fill('another long passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect
    .poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 })
    .toContain('one of your last 5 passwords');
  await page.getByLabel('Current password').fill('my own sunrise phrase');
  await page
    .getByRole('textbox', { name: /^New password/ })
    .first()
    .fill('a second phrase of mine');
  await page.getByLabel('New password again').fill('a second phrase of mine');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect.poll(() => page.getByText('Your password is changed').count(), { timeout: 15_000 }).toBe(1);
  await page.screenshot({ path: 'test-results/account-password.png', fullPage: true });

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect.poll(() => page.url()).toMatch(/\/login$/);
  await page.getByLabel('Email').fill('chen@example.org');
  await page.getByRole('textbox', { name: 'Password' }).fill('a second phrase of mine');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Study overview' }).count(), { timeout: 15_000 })
    .toBe(1);
});
