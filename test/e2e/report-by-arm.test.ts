import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  entries,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  SITE,
  siteDate,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The Analysis page of the randomised example: the unblinded statistician reads the results by arm
// above the report, in English and in Chinese; a blinded data manager reads the notice and no arm.

const TIMEOUT = { timeout: 30_000 };
const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const statistician = {
  email: 'statistician@example.org',
  name: 'Stella Statistician',
  role: 'statistician',
  siteIds: [],
};
const ARM_NAMES = [
  'MSCs-Exo aerosol inhalation',
  'Placebo (nebulised saline)',
  '间充质干细胞外泌体雾化吸入组',
  '安慰剂（雾化吸入生理盐水）',
];

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

/** Screened, consented, confirmed and enrolled today through the API, with a severity to stratify by. */
async function enrolSevere(): Promise<void> {
  const call = (
    headers: Record<string, string>,
    method: string,
    path: string,
    body: unknown,
    status: number,
  ) => expectApiCall(server.url, headers, method, path, body, status);
  const day1 = siteDate(new Date(), ZONE);
  const coordinator = await apiSignIn(server.url, trialStaff.coordinator.email, PASSWORD);
  const { participantId } = await call(
    coordinator,
    'POST',
    '/participants',
    { siteId: SITE, screeningDate: day1 },
    201,
  );
  const dayStart = Date.parse(`${day1}T00:00:00+08:00`);
  const consentedAt = new Date(Math.max(dayStart, Date.now() - 60_000)).toISOString();
  await call(
    coordinator,
    'POST',
    `/participants/${participantId}/consent`,
    { formVersion: '1.0', consentedAt, signer: 'participant' },
    201,
  );
  const forms = eligibleScreeningForms(day1, consentedAt);
  forms.screening = { ...forms.screening, diseaseSeverity: 'severe' };
  for (const [formId, values] of Object.entries(forms)) {
    await call(
      coordinator,
      'PUT',
      `/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
      { version: 0, entries: entries(values) },
      200,
    );
  }
  const investigator = await apiSignIn(server.url, trialStaff.investigator.email, PASSWORD);
  await call(
    investigator,
    'POST',
    `/participants/${participantId}/eligibility/confirm`,
    { password: PASSWORD },
    200,
  );
  const detail = await call(coordinator, 'GET', `/participants/${participantId}`, undefined, 200);
  await call(
    coordinator,
    'POST',
    `/participants/${participantId}/enrol`,
    { day1Date: day1, version: detail.version },
    200,
  );
}

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'report-by-arm',
    staff: [statistician, 'coordinator', 'investigator', 'dataManager'],
    env: { EXOTRIAL_PROTOCOL: rctProtocol },
  });
  ({ server, browser } = trial);
  const headers = await apiSignIn(server.url, statistician.email, PASSWORD);
  const list = await expectApiCall(
    server.url,
    headers,
    'POST',
    '/randomisation/list',
    { seed: 20261205 },
    200,
  );
  await expectApiCall(
    server.url,
    headers,
    'POST',
    '/randomisation/list/seal',
    { listHash: list.listHash },
    200,
  );
  for (let index = 0; index < 3; index++) await enrolSevere();
}, 240_000);

afterAll(async () => trial?.close());

async function openAnalysis(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/report-by-arm-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/analysis`);
  return page;
}

it('the statistician reads the results by arm above the report, in English and in Chinese', async () => {
  const page = await openAnalysis(statistician.email);
  const panel = page.getByTestId('by-arm');
  await expect.poll(() => panel.textContent(), TIMEOUT).toContain('Results by arm');
  const table = page.getByTestId('by-arm-ttci');
  const rows = await table.locator('tbody tr').allTextContents();
  expect(rows).toHaveLength(2);
  expect(rows[0]).toContain('MSCs-Exo aerosol inhalation');
  expect(rows[1]).toContain('Placebo (nebulised saline)');
  // Enrolled per arm: the three participants, whichever arm the sealed list gave each.
  const enrolled = await table.locator('tbody tr td:nth-child(2)').allTextContents();
  expect(enrolled.map(Number).reduce((sum, count) => sum + count, 0)).toBe(3);
  expect(await panel.textContent()).toContain(
    'Reference arm of the hazard ratios and risk differences: MSCs-Exo',
  );
  const frame = page.frameLocator('[data-testid="report-frame"]');
  await expect.poll(() => frame.getByRole('heading', { name: '7. Results by arm' }).count(), TIMEOUT).toBe(1);
  await page.screenshot({ path: `${SHOTS}/analysis-by-arm.png`, fullPage: true });

  await page.evaluate(() => localStorage.setItem('exotrial.language', 'zh'));
  await page.reload();
  await expect.poll(() => page.getByTestId('by-arm').textContent(), TIMEOUT).toContain('分组结果');
  const chinese = (await page.getByTestId('by-arm').textContent()) ?? '';
  expect(chinese).toContain('安慰剂（雾化吸入生理盐水）');
  expect(chinese).toContain('间充质干细胞外泌体雾化吸入组');
  expect(chinese).toContain('发生不良事件的受试者');
});

it('a blinded data manager reads that results by arm are for unblinded roles, and no arm', async () => {
  const page = await openAnalysis(trialStaff.dataManager.email);
  const notice = page.getByTestId('by-arm-blinded');
  await expect
    .poll(() => notice.textContent(), TIMEOUT)
    .toContain('results by arm are shown only to unblinded roles');
  const frame = page.frameLocator('[data-testid="report-frame"]');
  await expect.poll(() => frame.getByRole('heading', { name: '7. Results by arm' }).count(), TIMEOUT).toBe(1);
  const shown = `${await page.locator('main').textContent()} ${await frame.locator('body').textContent()}`;
  expect(shown).toContain('shown only to unblinded roles');
  for (const name of ARM_NAMES) expect(shown).not.toContain(name);
  expect(await page.getByTestId('by-arm-ttci').count()).toBe(0);
});
