import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  siteLocal,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The data manager's Import page: a CSV with a good line and a bad one is checked (the dry run shows
// the problem and the changes), refused whole, then imported with the bad line skipped; in Chinese too.

const TIMEOUT = { timeout: 15_000 };

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let participantId = '';
let studyNumber = '';

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'data-import',
    staff: ['coordinator', 'investigator', 'dataManager'],
  });
  ({ server, browser } = trial);
  ({ participantId, studyNumber } = await enrolThroughApi(server.url));
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/data-import-failure.png`, fullPage: true });
  });
  return page;
}

it('checks a file, shows its problems and changes, and imports it with the bad line skipped', async () => {
  const at = siteLocal(new Date(Date.now() - 3_600_000));
  const csv = [
    'participant,visit,vitals.assessedAt,vitals.heartRate,vitals.spo2',
    `${studyNumber},day-1/pre-dose,${at},84,97`,
    `RJ-999,day-1/pre-dose,${at},84,97`,
  ].join('\n');
  const page = await openAs(trialStaff.dataManager.email);
  await page.goto(`${server.url}/exports`);
  await page.getByTestId('import-link').click();
  await page.getByRole('heading', { name: 'Import form data' }).waitFor(TIMEOUT);
  await page.locator('input[type="file"]').setInputFiles({
    name: 'vitals.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await page.getByRole('button', { name: 'Check the file' }).click();
  const problems = page.getByTestId('import-problems');
  await problems.waitFor(TIMEOUT);
  const rows = await problems.locator('tbody tr').allTextContents();
  expect(rows).toEqual([
    '3RJ-999 · day-1/pre-doseNo participant has the study or screening number "RJ-999".',
  ]);
  expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);

  await page.getByLabel('Skip bad rows (import the good lines of a file with problems)').check();
  await page.getByRole('button', { name: 'Check the file' }).click();
  const changes = page.getByTestId('import-changes');
  await changes.waitFor(TIMEOUT);
  expect(await changes.locator('tbody tr').count()).toBe(3);
  expect(await page.getByTestId('import-summary').textContent()).toContain('Nothing was written.');

  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const summary = page.getByTestId('import-summary');
  await expect.poll(() => summary.textContent(), TIMEOUT).toContain('Imported vitals.csv');
  const dataManager = await apiSignIn(server.url, trialStaff.dataManager.email, PASSWORD);
  const saved = await expectApiCall(
    server.url,
    dataManager,
    'GET',
    `/participants/${participantId}/visits/${encodeURIComponent('day-1/pre-dose')}/forms/vitals?instance=1`,
    undefined,
    200,
  );
  expect(saved.entries.heartRate.value).toBe(84);

  expect(saved.entries.spo2.value).toBe(97);

  // The page in Chinese: the same import again changes nothing.
  await page.getByText('简体中文').click();
  await page.getByRole('heading', { name: '导入表单数据' }).waitFor(TIMEOUT);
  await page.locator('input[type="file"]').setInputFiles({
    name: 'vitals.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await page.getByRole('button', { name: '检查文件' }).click();
  await expect
    .poll(() => page.getByTestId('import-summary').textContent(), TIMEOUT)
    .toContain('将录入 0 个数值，修改 0 个，3 个保持不变');
  expect(await page.getByText('该文件没有任何变更：所有数值均已保存。').count()).toBe(1);
  await page.screenshot({ path: `${SHOTS}/data-import-zh.png`, fullPage: true });
  await page.close();
});
