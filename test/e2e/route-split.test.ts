import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signInPage } from '../support/browser.ts';
import { startTrialServer, type TrialServer } from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The web app downloads a page's script when the page is first opened, the Chinese table when
// Chinese is chosen, and asks the server again only for answers older than their 30 s lifetime.
const COORDINATOR = { email: 'coordinator@example.org', password: 'site staff password split' };
const TIMEOUT = { timeout: 15_000 };

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'split',
    staff: [{ ...COORDINATOR, name: 'Chen Coordinator', role: 'study_coordinator' }],
  });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Records the scripts and API calls a page asks for, from now on. */
function watch(page: Page) {
  const scripts: string[] = [];
  const calls: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.js')) scripts.push(path.replace(/^\/assets\//, ''));
    if (path.startsWith('/api/')) calls.push(`${request.method()} ${path}`);
  });
  return {
    scripts,
    calls,
    reset: () => {
      scripts.length = 0;
      calls.length = 0;
    },
  };
}

const chunk = (name: string) => (file: string) => file.startsWith(`${name}-`);

async function navigate(page: Page, link: string, heading: string) {
  await page.getByRole('navigation').getByRole('link', { name: link }).click();
  await expect.poll(() => page.getByRole('heading', { name: heading, exact: true }).count(), TIMEOUT).toBe(1);
  // Room for any request the page would make after drawing.
  await page.waitForTimeout(1_000);
}

it('loads each page on first visit, Chinese when chosen, and refetches nothing fresh', async () => {
  const page = await signInPage(browser, server.url, COORDINATOR.email, COORDINATOR.password);
  const seen = watch(page);
  // A full load of a signed-in page: the shell and the overview, not the other pages or Chinese.
  await page.reload();
  await expect.poll(() => page.getByRole('heading', { name: 'Study overview' }).count(), TIMEOUT).toBe(1);
  expect(seen.scripts.some(chunk('overview-page'))).toBe(true);
  for (const other of ['participants-page', 'queries-page', 'account-page', 'protocol-page', 'zh']) {
    expect(seen.scripts.some(chunk(other)), other).toBe(false);
  }

  await navigate(page, 'Participants', 'Participants');
  expect(seen.scripts.some(chunk('participants-page'))).toBe(true);
  await navigate(page, 'Queries', 'Queries');
  expect(seen.scripts.some(chunk('queries-page'))).toBe(true);
  seen.reset();
  // Back within the answers' lifetime: the chunk and the answers are already here.
  await navigate(page, 'Participants', 'Participants');
  expect(seen.scripts).toEqual([]);
  expect(seen.calls).toEqual([]);

  // Chinese: its table is downloaded now, and the page redrawn in it.
  await page.getByText('简体中文', { exact: true }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: '受试者', exact: true }).count(), TIMEOUT)
    .toBe(1);
  expect(seen.scripts.filter(chunk('zh'))).toHaveLength(1);
  await page.context().close();
});
