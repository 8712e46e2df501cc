import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

// Debian's Chromium, never a downloaded browser. The flags keep it off this machine's closed network.
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

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-'));
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  server = await startServerProcess(['--port', String(port), '--data', dataDir]);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('creates the first administrator through the setup link, signs in, and switches to Chinese', async () => {
  expect(server.setupUrl).toMatch(/\/setup\?token=/);
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(server.setupUrl ?? '');
  await page.getByLabel('Full name').fill('Ada Admin');
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel(/^Password/).fill('a very long password');
  await page.getByLabel('Repeat the password').fill('a very long password');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect
    .poll(() => page.getByTestId('study-short-title').textContent(), { timeout: 15_000 })
    .toBe('MEXCOVID');

  // Sign out, then sign in through the login page as a returning user does.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect.poll(() => page.url()).toMatch(/\/login$/);
  await page.getByLabel('Email').fill('ada@example.org');
  await page.getByLabel(/^Password/).fill('a wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('alert').textContent()).toContain('not correct');
  await page.getByLabel(/^Password/).fill('a very long password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Study overview' }).count(), { timeout: 15_000 })
    .toBe(1);

  await page.getByText('简体中文').click();
  await expect.poll(() => page.getByRole('heading', { name: '研究概览' }).count()).toBe(1);
  expect(await page.getByRole('link', { name: '受试者' }).count()).toBe(1);
  expect(await page.getByRole('button', { name: '退出登录' }).count()).toBe(1);
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  // The choice survives a reload.
  await page.reload();
  await expect
    .poll(() => page.getByRole('heading', { name: '研究概览' }).count(), { timeout: 15_000 })
    .toBe(1);

  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/overview-zh.png', fullPage: true });
});
