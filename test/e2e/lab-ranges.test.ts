import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  siteDate,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// Laboratory values in the browser: the data manager imports the site's reference ranges on the
// ranges page; a low lymphocyte count shows its flag beside the value on the form and on the
// participant page, where the investigator marks it clinically significant and accepts the
// laboratory adverse event proposed from its CTCAE grade.

const TIMEOUT = { timeout: 15_000 };
const RANGES =
  'item,sex,ageLow,ageHigh,low,high,unit\nlabs.lymphocytes,,,,1.1,3.2,10*9/L\nlabs.alt,M,,,9,50,U/L\n';

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let participantId = '';

type Headers = Record<string, string>;
const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);
const labsPath = (visitKey: string) =>
  `/participants/${participantId}/visits/${visitKey}/forms/labs?instance=1`;

beforeAll(async () => {
  trial = await startTrialServer({ name: 'labs', staff: ['dataManager', 'coordinator', 'investigator'] });
  ({ server, browser } = trial);
  ({ participantId } = await enrolThroughApi(server.url));
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/labs-failure.png`, fullPage: true });
  });
  return page;
}

it('the data manager imports the reference ranges; flags show on the form and the participant page; the investigator judges the value and accepts the graded adverse event', async () => {
  const manager = await openAs(trialStaff.dataManager.email);
  await manager.goto(`${server.url}/lab-ranges`);
  const file = join(mkdtempSync(join(tmpdir(), 'exotrial-ranges-')), 'ruijin-ranges.csv');
  writeFileSync(file, RANGES);
  const chooser = manager.waitForEvent('filechooser');
  await manager.getByRole('button', { name: 'Import a CSV file' }).click();
  await (await chooser).setFiles(file);
  await expect
    .poll(() => manager.getByTestId('lab-ranges-message').textContent(), TIMEOUT)
    .toBe('2 ranges imported.');
  const table = manager.getByTestId('lab-ranges');
  await expect.poll(() => table.locator('tbody tr').count(), TIMEOUT).toBe(2);
  expect(await table.textContent()).toContain('1.1–3.2 10*9/L');

  // Baseline at screening 0.9 (low, grade 1); on day 3, 0.3 × 10^9/L: grade 3, worse than baseline.
  const today = siteDate(new Date(), ZONE);
  const coordinator = await apiSignIn(server.url, trialStaff.coordinator.email, PASSWORD);
  const screening = await call(coordinator, 'GET', labsPath('screening'), undefined, 200);
  await call(
    coordinator,
    'PUT',
    labsPath('screening'),
    { version: screening.version, entries: entries({ collectedOn: today, lymphocytes: 0.9 }) },
    200,
  );
  await call(
    coordinator,
    'PUT',
    labsPath('day-3'),
    { version: 0, entries: entries({ collectedOn: today, lymphocytes: 0.3 }) },
    200,
  );

  const investigator = await openAs(trialStaff.investigator.email);
  await investigator.goto(`${server.url}/participants/${participantId}/forms/labs?visit=day-3`);
  const formFlag = investigator.getByTestId('lab-flag-lymphocytes');
  await expect.poll(() => formFlag.count(), TIMEOUT).toBe(1);
  expect(await formFlag.textContent()).toBe('Low');

  await investigator.goto(`${server.url}/participants/${participantId}`);
  const panel = investigator.getByTestId('lab-panel');
  const rows = panel.getByTestId('lab-flag-row');
  await expect.poll(() => rows.count(), TIMEOUT).toBe(2);
  const dayThree = rows.filter({ hasText: '0.3 10*9/L' });
  expect(await dayThree.getByTestId('lab-flag').textContent()).toBe('Low');
  await dayThree.getByRole('button', { name: 'Clinically significant' }).click();
  await expect
    .poll(() => dayThree.textContent(), TIMEOUT)
    .toContain(`Clinically significant (${trialStaff.investigator.name})`);

  const proposal = panel.getByTestId('lab-proposal');
  await expect.poll(() => proposal.count(), TIMEOUT).toBe(1);
  expect(await proposal.textContent()).toContain('Lymphocyte count decreased, grade 3 (0.3 10*9/L)');
  await proposal.getByRole('button', { name: 'Accept as adverse event' }).click();
  await expect.poll(() => proposal.textContent(), TIMEOUT).toContain('Accepted');
  await investigator.screenshot({ path: `${SHOTS}/lab-panel.png`, fullPage: true });

  const headers = await apiSignIn(server.url, trialStaff.investigator.email, PASSWORD);
  const stored = await call(
    headers,
    'GET',
    `/participants/${participantId}/lab-ae-proposals`,
    undefined,
    200,
  );
  expect(stored.proposals).toEqual([expect.objectContaining({ status: 'accepted', grade: 3 })]);
  const events = await call(headers, 'GET', `/adverse-events?participantId=${participantId}`, undefined, 200);
  expect(JSON.stringify(events)).toContain('Lymphocyte count decreased');
}, 180_000);
