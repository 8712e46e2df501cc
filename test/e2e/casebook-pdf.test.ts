import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../support/demo-server.ts';
import { chromiumPdfText } from '../support/pdf-text.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The participant page's "Casebook (PDF)" button downloads the participant's casebook, printed by the
// server, in the page's language.

let demo: DemoServer;
let server: ServerProcess;
let browser: Browser;
let password = '';

beforeAll(async () => {
  demo = await startDemoServer('casebook', { subjects: 3, seed: 5 });
  ({ server, browser, password } = demo);
});

afterAll(async () => demo?.close());

it('an investigator downloads a participant’s casebook as PDF from the participant page', async () => {
  const page = await browser.newPage({ locale: 'en-GB', acceptDownloads: true });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('investigator.rj@demo.exotrial.org');
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Participants' }).first().click();
  const first = page.getByRole('link', { name: /^RJ-\d{3}$/ }).first();
  await expect.poll(() => first.count(), { timeout: 30_000 }).toBe(1);
  await first.click();
  const number = page.getByTestId('participant-number');
  await expect.poll(() => number.count(), { timeout: 30_000 }).toBe(1);
  const participantNumber = ((await number.textContent()) ?? '').trim();
  expect(participantNumber).toMatch(/^RJ-\d{3}$/);

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByRole('link', { name: 'Casebook (PDF)' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`casebook-${participantNumber}.pdf`);
  const pdf = readFileSync(await download.path());
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const { text, pages } = chromiumPdfText(pdf);
  expect(pages).toBeGreaterThan(1);
  expect(text).toContain(`Casebook ${participantNumber}`);
  expect(text).toContain('Appendix: audit trail');
}, 240_000);
