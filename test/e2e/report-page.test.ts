import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../support/demo-server.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The Analysis page shows the trial report the server renders, inside a sandboxed frame under the
// application's Content Security Policy, and downloads it as JSON.

let demo: DemoServer;
let server: ServerProcess;
let browser: Browser;
let password = '';

beforeAll(async () => {
  demo = await startDemoServer('report', { subjects: 4, seed: 3 });
  ({ server, browser, password } = demo);
});

afterAll(async () => demo?.close());

it('a data manager opens Analysis, reads the report in the page and downloads its JSON', async () => {
  const page = await browser.newPage({ locale: 'en-GB', acceptDownloads: true });
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
  });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('datamanager@demo.exotrial.org');
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Analysis' }).click();
  await expect
    .poll(() => page.getByRole('heading', { name: 'Trial report' }).count(), { timeout: 15_000 })
    .toBe(1);
  const frame = page.frameLocator('[data-testid="report-frame"]');
  await expect
    .poll(() => frame.getByRole('heading', { name: /Dosing compliance/ }).count(), { timeout: 30_000 })
    .toBe(1);
  expect(await frame.locator('svg').count()).toBeGreaterThan(0);
  expect(await frame.getByText(/Data cut \d{4}-\d{2}-\d{2}T/).count()).toBeGreaterThan(0);
  // The report's own styles apply inside the frame (inline CSS is allowed, nothing was blocked).
  expect(blocked).toEqual([]);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('report-download-json').click(),
  ]);
  const path = await download.path();
  const json = JSON.parse(readFileSync(path, 'utf8'));
  expect(json.study.shortTitle).toBe('MEXCOVID');
  expect(json.dosing.enrolled).toBe(json.consort.enrolled);
  expect(json.dosing.doses.length).toBeGreaterThan(0);
  expect(download.suggestedFilename()).toMatch(/\.json$/);

  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/analysis-report.png', fullPage: true });
});
