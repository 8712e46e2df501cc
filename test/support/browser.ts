import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { FIRST_PASSWORD } from './accounts.ts';

/** Debian's Chromium, never a downloaded browser. The flags keep it off this machine's closed network. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });

/** Signs in through the API from the test process and returns the cookie and CSRF headers. */
export async function apiSignIn(
  baseUrl: string,
  email: string,
  password: string,
): Promise<Record<string, string>> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
}

/**
 * Signs in through the login page in a new browser context (English, a desktop window, and the
 * given time zone, as a ward's computer) and waits for the study overview.
 */
export async function signInPage(
  browser: Browser,
  baseUrl: string,
  email: string,
  password: string,
  options: { timeZone?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({
    locale: 'en-GB',
    viewport: { width: 1400, height: 1000 },
    ...(options.timeZone ? { timezoneId: options.timeZone } : {}),
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Study overview' }).count(), { timeout: 15_000 })
    .toBe(1);
  return page;
}

/**
 * An account made as in a real study, over HTTP: the administrator (signed in with `adminHeaders`)
 * creates it with a first password, and its owner signs in and replaces it with `account.password`,
 * which the server requires before anything else.
 */
export async function apiAddAccount(
  baseUrl: string,
  adminHeaders: Record<string, string>,
  account: { email: string; name: string; roles: string[]; siteIds: string[]; password: string },
): Promise<void> {
  const firstPassword = FIRST_PASSWORD;
  const created = await fetch(`${baseUrl}/api/v1/users`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({ ...account, password: firstPassword }),
  });
  if (created.status !== 201) throw new Error(`create user: ${created.status} ${await created.text()}`);
  const owner = await apiSignIn(baseUrl, account.email, firstPassword);
  const changed = await fetch(`${baseUrl}/api/v1/account/password`, {
    method: 'POST',
    headers: owner,
    body: JSON.stringify({ currentPassword: firstPassword, newPassword: account.password }),
  });
  if (changed.status !== 200) throw new Error(`change password: ${changed.status} ${await changed.text()}`);
}
