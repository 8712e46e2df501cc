import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  entries,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  siteLocal,
  startTrialServer,
  type TrialServer,
  trialStaff,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The Coding page in the browser: the data manager uploads the synthetic MedDRA release, chooses
// it for the study, and codes the adverse events the site recorded: an exact match is coded already,
// a near one is picked from the suggestions, an unclear one goes to the site as a query.

const TIMEOUT = { timeout: 15_000 };
const HOUR = 3_600_000;
const fixture = new URL('../../dictionaries/synthetic/meddra-99.0/en/', import.meta.url).pathname;

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

type Headers = Record<string, string>;
const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);

beforeAll(async () => {
  trial = await startTrialServer({ name: 'coding', staff: ['coordinator', 'investigator', 'dataManager'] });
  ({ server, browser } = trial);
  const { participantId } = await enrolThroughApi(server.url);
  const dataManager = await apiSignIn(server.url, trialStaff.dataManager.email, PASSWORD);
  const files = Object.fromEntries(
    readdirSync(fixture).map((name) => [name, readFileSync(join(fixture, name), 'utf8')]),
  );
  await call(dataManager, 'POST', '/dictionaries/meddra/versions', { version: '99.0', files }, 201);
  await call(
    dataManager,
    'PUT',
    '/dictionaries/meddra/study-version',
    { version: '99.0', reason: 'first release' },
    200,
  );
  const coordinator = await apiSignIn(server.url, trialStaff.coordinator.email, PASSWORD);
  for (const term of ['Headache', 'coughing fits', 'feeling funny']) {
    await call(
      coordinator,
      'POST',
      `/participants/${participantId}/adverse-events`,
      {
        entries: entries({
          term,
          onsetAt: siteLocal(new Date(Date.now() - 3 * HOUR)),
          ongoing: true,
          grade: 1,
          serious: false,
          inhalationAssociated: false,
          actionTaken: 'none',
          outcome: 'recovering',
        }),
      },
      201,
    );
  }
}, 240_000);

afterAll(async () => trial?.close());

async function openAsDataManager(): Promise<Page> {
  const page = await signInPage(browser, server.url, trialStaff.dataManager.email, PASSWORD);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/coding-failure.png`, fullPage: true });
  });
  return page;
}

const row = (page: Page, verbatim: string) => page.getByTestId('coding-row').filter({ hasText: verbatim });

it('the data manager picks a suggestion, queries an unclear verbatim, and finds both in Chinese', async () => {
  const page = await openAsDataManager();
  await page.getByRole('link', { name: 'Coding' }).click();
  await page.getByText('The study codes with MedDRA 99.0.').waitFor(TIMEOUT);
  // The exact match is coded already: the queue holds the two others.
  await row(page, 'coughing fits').waitFor(TIMEOUT);
  expect(await page.getByTestId('coding-row').count()).toBe(2);
  await row(page, 'coughing fits').getByRole('button', { name: 'Cough (99300008)' }).click();
  await row(page, 'coughing fits').waitFor({ state: 'detached', ...TIMEOUT });

  const funny = row(page, 'feeling funny');
  await funny.getByRole('button', { name: 'Ask the site' }).click();
  await funny
    .getByLabel('Question to the site')
    .fill('Which sign or diagnosis is meant? Please give the medical term.');
  await funny.getByRole('button', { name: 'Raise query' }).click();
  await funny.getByTestId('coding-status').filter({ hasText: 'Query to the site' }).waitFor(TIMEOUT);

  await page.getByLabel('Show').selectOption('coded');
  await row(page, 'coughing fits').getByText('Coded by hand').waitFor(TIMEOUT);
  expect(await row(page, 'coughing fits').textContent()).toContain(
    'Cough (99300008) → Cough · Synthetic respiratory disorders',
  );
  expect(await row(page, 'Headache').textContent()).toContain('Coded on an exact match');

  await page.getByLabel('Search verbatim').fill('head');
  await page.getByTestId('coding-row').first().waitFor(TIMEOUT);
  await expect.poll(() => page.getByTestId('coding-row').count(), TIMEOUT).toBe(1);

  await page.getByText('简体中文').click();
  await page.getByRole('heading', { name: '医学编码' }).waitFor(TIMEOUT);
  await page.getByText('完全匹配自动编码').waitFor(TIMEOUT);
  await page.context().close();
});
