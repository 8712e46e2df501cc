import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
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

// The kits and resupply page on the randomised example: the statistician generates, seals and extends
// the kit list; the unblinded pharmacist reads it with its kit types, sees the site's stock against
// each threshold and packs the proposed shipment (signed); the blinded pharmacist sees that the list is
// sealed and never a kit type. In English, then in Chinese.

const TIMEOUT = { timeout: 15_000 };
const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const statistician = {
  email: 'statistician@example.org',
  name: 'Stella Statistician',
  role: 'statistician',
  siteIds: [],
};
const unblinded = {
  email: 'unblinded@example.org',
  name: 'Uma Unblinded',
  role: 'unblinded_pharmacist',
  siteIds: [SITE],
};
const CONCENTRATION = 2.0e8 / 3;
const passingResults = [
  { testId: 'particle-count', value: CONCENTRATION * 1.05 },
  { testId: 'modal-size', value: 118 },
  { testId: 'cd9', value: 'present' },
  { testId: 'cd63', value: 'present' },
  { testId: 'cd81', value: 'present' },
  { testId: 'tsg101', value: 'present' },
  { testId: 'calnexin', value: 'absent' },
  { testId: 'sterility', value: 'negative' },
  { testId: 'mycoplasma', value: 'negative' },
  { testId: 'endotoxin', value: 0.12 },
];

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'kits',
    staff: [statistician, unblinded, 'pharmacist'],
    env: { EXOTRIAL_PROTOCOL: rctProtocol },
  });
  ({ server, browser } = trial);
}, 240_000);

afterAll(async () => trial?.close());

async function openAs(email: string): Promise<Page> {
  const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/kits-failure.png`, fullPage: true });
  });
  return page;
}

/** The depot's stock, through the API as the unblinded pharmacist: a freezer at the site and a depot with released kit lots. */
async function stockTheDepot(): Promise<void> {
  const headers = await apiSignIn(server.url, unblinded.email, PASSWORD);
  const call = (method: string, path: string, body: unknown, status: number) =>
    expectApiCall(server.url, headers, method, path, body, status);
  const unit = (code: string, siteId: string | null) =>
    call(
      'POST',
      '/product/storage-units',
      {
        code,
        name: `Freezer ${code}`,
        kind: 'freezer',
        siteId,
        nominalCelsius: -80,
        lowCelsius: -90,
        highCelsius: -60,
        excursionToleranceMinutes: 30,
      },
      201,
    );
  await unit('RJ-F1', SITE);
  const depot = await unit('DEPOT-1', null);
  for (const [lotNumber, kitType] of [
    ['DEP-101', 'active-kit'],
    ['DEP-102', 'placebo-kit'],
  ] as const) {
    const lot = await call(
      'POST',
      '/product/lots',
      {
        lotNumber,
        manufacturer: 'Cellular Biomedicine Lab',
        manufacturedOn: siteDate(new Date(Date.now() - 10 * 86_400_000), ZONE),
        concentrationPerMl: CONCENTRATION,
        volumeMl: 3,
        vialCount: 20,
        unitId: depot.unitId,
        kitType,
      },
      201,
    );
    await call(
      'PUT',
      `/product/lots/${lot.lotId}/release-results`,
      { results: passingResults, version: 1 },
      200,
    );
    await call('POST', `/product/lots/${lot.lotId}/release`, { password: PASSWORD, version: 2 }, 200);
  }
}

it('the statistician generates, seals and extends the kit list; the unblinded pharmacist reads it and packs the resupply; the blinded one sees no kit type', async () => {
  const page = await openAs(statistician.email);
  await page.goto(`${server.url}/product/kits`);
  const status = page.getByTestId('kit-status');
  await expect.poll(() => status.textContent(), TIMEOUT).toContain('Not generated yet');
  await page.getByTestId('kit-seed').fill('2026');
  await page.getByTestId('kit-count').fill('0');
  await page.getByRole('button', { name: 'Generate the kit list' }).click();
  await expect
    .poll(() => page.getByTestId('kit-message').textContent(), TIMEOUT)
    .toContain('List at least one kit.');
  await page.getByTestId('kit-count').fill('30');
  await page.getByRole('button', { name: 'Generate the kit list' }).click();
  await expect
    .poll(() => page.getByTestId('kit-message').textContent(), TIMEOUT)
    .toBe('The kit list is generated: check it below, then seal it.');
  const table = page.getByTestId('kit-list');
  await expect.poll(() => table.locator('tbody tr').count(), TIMEOUT).toBe(30);
  expect(await table.textContent()).toContain('Placebo kit (saline)');
  expect(await table.textContent()).toContain('Active kit (MSCs-Exo)');
  await page.getByRole('button', { name: 'Seal this kit list' }).click();
  await page.getByTestId('kit-seal').click();
  await expect
    .poll(() => page.getByTestId('kit-message').textContent(), TIMEOUT)
    .toBe('The kit list is sealed.');
  await expect.poll(() => status.textContent(), TIMEOUT).toContain('Sealed by Stella Statistician');
  // Sealed: the list grows only by a sealed block of new numbers.
  await page.getByTestId('kit-seed').fill('2027');
  await page.getByTestId('kit-count').fill('120');
  await page.getByRole('button', { name: 'Extend with a new block' }).click();
  await expect
    .poll(() => page.getByTestId('kit-message').textContent(), TIMEOUT)
    .toBe('The kit list is extended and sealed.');
  await expect.poll(() => status.textContent(), TIMEOUT).toContain('150 kits.');
  expect(await page.getByTestId('kit-block').textContent()).toMatch(
    /^Block 1: 120 kits, sealed by Stella Statistician on .+; hash [0-9a-f]{64}$/,
  );
  // 150 kits: the server sends them 100 a page; the second page holds kits 101 to 150.
  await expect.poll(() => table.locator('tbody tr').count(), TIMEOUT).toBe(100);
  const secondPage = page.waitForResponse((response) =>
    response.url().includes('/api/v1/kits/list?limit=100&offset=100'),
  );
  await page.getByTestId('kit-list-pages').getByRole('button', { name: '2' }).click();
  const answer = await (await secondPage).json();
  expect(answer).toMatchObject({ total: 150, limit: 100, offset: 100 });
  expect(answer.kits).toHaveLength(50);
  await expect.poll(() => table.locator('tbody tr').count(), TIMEOUT).toBe(50);
  expect(await table.locator('tbody tr').first().locator('td').first().textContent()).toBe('101');
  await page.screenshot({ path: `${SHOTS}/kits-statistician.png`, fullPage: true });

  await stockTheDepot();
  const pharmacy = await openAs(unblinded.email);
  await pharmacy.goto(`${server.url}/product/kits`);
  const site = pharmacy.getByTestId(`resupply-${SITE}`);
  await site.waitFor(TIMEOUT);
  const siteText = (await site.textContent()) ?? '';
  expect(siteText).toContain('Ruijin');
  expect(siteText).toContain('Active kit (MSCs-Exo)');
  expect(siteText).toContain('Placebo kit (saline)');
  expect(siteText).toContain('Low');
  expect(siteText).toContain('Proposed shipment: 40 kits from DEPOT-1 to RJ-F1.');
  await pharmacy.getByTestId(`resupply-pack-${SITE}`).click();
  const dialog = pharmacy.getByRole('dialog');
  expect(await dialog.textContent()).toContain('I packed and sealed the vials listed in this shipment.');
  await dialog.getByLabel('Your password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await pharmacy.getByTestId('resupply-packed').waitFor(TIMEOUT);
  // What is packed counts as on its way: the site is no longer due.
  await expect.poll(() => pharmacy.getByTestId(`resupply-${SITE}`).count(), TIMEOUT).toBe(0);
  await pharmacy.screenshot({ path: `${SHOTS}/kits-unblinded-pharmacist.png`, fullPage: true });
  await pharmacy.getByText('简体中文').click();
  await pharmacy.getByRole('heading', { name: '药盒与补给' }).waitFor(TIMEOUT);
  await pharmacy.getByText('安慰剂药盒（生理盐水）').first().waitFor(TIMEOUT);
  expect(
    await pharmacy.getByText('该中心没有可接收药盒的存储单元：请在库存页面添加。').count(),
  ).toBeGreaterThan(0);

  const blinded = await openAs(trialStaff.pharmacist.email);
  await blinded.goto(`${server.url}/product/kits`);
  const seen = blinded.getByTestId('kit-status');
  await expect.poll(() => seen.textContent(), TIMEOUT).toContain('Sealed');
  await blinded.getByTestId('resupply-blinded').waitFor(TIMEOUT);
  const body = (await blinded.locator('main').textContent()) ?? '';
  expect(body).toContain('The kit types are shown to unblinded roles only');
  expect(body).not.toMatch(/active-kit|placebo-kit|Active kit|Placebo kit|Seed 2026|DEPOT-1|K-\d{6}/);
  expect(await blinded.getByTestId('kit-list').count()).toBe(0);
  await blinded.screenshot({ path: `${SHOTS}/kits-blinded-pharmacist.png`, fullPage: true });
  await blinded.getByText('简体中文').click();
  await blinded.getByRole('heading', { name: '药盒与补给' }).waitFor(TIMEOUT);
  await blinded.getByText('药盒类型仅对非设盲角色显示；您可以看到列表是否就绪。').waitFor(TIMEOUT);
});
