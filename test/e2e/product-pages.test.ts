import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  SITE,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

const PHARMACIST = trialStaff.pharmacist.email;
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The MEXCOVID release specification, every test passing (label 6.67e7 particles per mL). */
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
type Headers = Record<string, string>;

const expectCall = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);

const enrolParticipant = () => enrolThroughApi(server.url);

/** A freezer of the site with a released lot of `vialCount` vials that arrived a day ago. */
async function freezerWithLot(pharmacist: Headers, code: string, lotNumber: string, vialCount: number) {
  const unit = await expectCall(
    pharmacist,
    'POST',
    '/product/storage-units',
    {
      code,
      name: `Pharmacy freezer ${code}`,
      kind: 'freezer',
      siteId: SITE,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 30,
    },
    201,
  );
  const lot = await expectCall(
    pharmacist,
    'POST',
    '/product/lots',
    {
      lotNumber,
      manufacturer: 'Cellular Biomedicine Lab',
      manufacturedOn: new Date(Date.now() - 10 * 24 * HOUR).toISOString().slice(0, 10),
      concentrationPerMl: CONCENTRATION,
      volumeMl: 3,
      vialCount,
      unitId: unit.unitId,
      receivedAt: new Date(Date.now() - 24 * HOUR).toISOString(),
    },
    201,
  );
  await expectCall(
    pharmacist,
    'PUT',
    `/product/lots/${lot.lotId}/release-results`,
    { results: passingResults, version: 1 },
    200,
  );
  await expectCall(
    pharmacist,
    'POST',
    `/product/lots/${lot.lotId}/release`,
    { password: PASSWORD, version: 2 },
    200,
  );
  return { unitId: unit.unitId as string, lotId: lot.lotId as string };
}

beforeAll(async () => {
  trial = await startTrialServer({ name: 'product', staff: ['coordinator', 'investigator', 'pharmacist'] });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Signs in in the site's zone, as the ward's computers do. */
const signIn = (email: string): Promise<Page> =>
  signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });

it('shows an imported excursion on the dashboard and the chart, dispositions it, and dispenses by scan with a refusal', async () => {
  const pharmacist = await apiSignIn(server.url, PHARMACIST, PASSWORD);
  await freezerWithLot(pharmacist, 'RJ-F1', 'EXO-MAIN', 2);
  const warm = await freezerWithLot(pharmacist, 'RJ-F2', 'EXO-WARM', 3);
  const { participantId, studyNumber } = await enrolParticipant();

  // The second freezer's logger file: 90 minutes above −60 °C two hours ago.
  const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * HOUR).toISOString();
  const csv = [
    'Logger serial: E2E-42',
    'Time zone: +00:00',
    'Timestamp,Temperature (°C)',
    `${at(5)},-80.1`,
    `${at(4)},-79.8`,
    `${at(3.5)},-52.0`,
    `${at(3)},-48.5`,
    `${at(2.5)},-55.0`,
    `${at(2)},-80.3`,
    `${at(1)},-80.0`,
  ].join('\n');
  const imported = await expectCall(
    { ...pharmacist, 'content-type': 'text/csv' },
    'POST',
    `/product/storage-units/${warm.unitId}/temperature-imports?fileName=rj-f2.csv`,
    csv,
    201,
  );
  expect(imported).toMatchObject({ rowsImported: 7, rowsBad: 0 });
  expect(imported.excursions).toHaveLength(1);
  expect(imported.excursions[0].vialsQuarantined).toBe(3);

  const page = await signIn(PHARMACIST);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/product-pages-failure.png`, fullPage: true });
  });

  // Dashboard: the quarantined vials of the warm freezer and its open excursion.
  await page.getByRole('link', { name: 'Product', exact: true }).click();
  const warmRow = page.getByTestId('unit-row-RJ-F2');
  await expect.poll(() => warmRow.getByTestId('quarantined').textContent(), TIMEOUT).toBe('3');
  expect(await warmRow.getByTestId('excursions-open').textContent()).toBe('1');
  expect(await page.getByTestId('unit-row-RJ-F1').getByTestId('quarantined').textContent()).toBe('0');
  await page.screenshot({ path: `${SHOTS}/product-dashboard.png`, fullPage: true });

  // The unit's chart: the allowed band, the excursion highlighted, the readings outside the range marked.
  await warmRow.getByRole('link', { name: 'RJ-F2' }).click();
  const chart = page.getByTestId('temperature-chart');
  await expect.poll(() => chart.count(), TIMEOUT).toBe(1);
  expect(await chart.getByTestId('excursion-band').count()).toBe(1);
  expect(await chart.getByTestId('reading-outside').count()).toBe(3);
  expect(await chart.getByTestId('allowed-range').count()).toBe(1);
  const row = page.getByTestId('excursion-row');
  expect(await row.getByTestId('excursion-state').textContent()).toBe('Awaiting disposition (3 vials)');
  await page.screenshot({ path: `${SHOTS}/product-unit-chart.png`, fullPage: true });

  // The disposition, signed with the password and a reason.
  const reason = 'Ninety minutes at −48 °C are covered by the −20 °C stability data.';
  await row.getByRole('button', { name: 'Disposition…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(/^Reason/).fill(reason);
  await dialog.getByLabel('Your password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect.poll(() => row.getByTestId('excursion-state').textContent(), TIMEOUT).toBe('Dispositioned');
  expect(await row.getByTestId('disposition').textContent()).toContain(reason);
  expect(await row.getByTestId('disposition').textContent()).toContain(
    'Released (vials: 3) by Pia Pharmacist',
  );

  // Back on the dashboard nothing is quarantined any more.
  await page.getByRole('link', { name: '← Investigational product' }).click();
  await expect.poll(() => warmRow.getByTestId('quarantined').textContent(), TIMEOUT).toBe('0');

  // Dispensing: the proposed vial, a scan of another vial refused with its reason, then the right one.
  await page.getByRole('link', { name: 'Dispensing', exact: true }).click();
  await page.getByTestId('participant-select').click();
  await page.getByRole('option', { name: studyNumber }).click();
  await page.getByTestId('dose-select').click();
  await page.getByRole('option').first().click();
  const proposed = (await page.getByTestId('proposed-code').textContent({ timeout: 15_000 })) ?? '';
  expect(proposed).toMatch(/^EXO-(MAIN|WARM)-\d{4}$/);
  const vials = await expectCall(pharmacist, 'GET', '/product/vials?state=in_stock&limit=50', undefined, 200);
  const other = vials.items
    .map((vial: { code: string }) => vial.code)
    .find((code: string) => code !== proposed);
  const scan = page.getByTestId('scan-input');
  await scan.fill(other);
  await scan.press('Enter');
  const refusal = page.getByTestId('dispense-refusal');
  await expect.poll(() => refusal.count(), TIMEOUT).toBe(1);
  expect(await refusal.getAttribute('data-reason')).toBe('wrong_vial');
  const refusalText = (await refusal.textContent()) ?? '';
  expect(refusalText).toContain('Not the proposed vial');
  expect(refusalText).toContain(`You scanned ${other}, but the vial to dispense is ${proposed}`);
  expect(await scan.inputValue()).toBe('');
  await page.screenshot({ path: `${SHOTS}/product-dispensing-refused.png`, fullPage: true });
  // The scanner types the code and Enter.
  await scan.pressSequentially(proposed);
  await scan.press('Enter');
  const dispensed = page.getByTestId('dispensed');
  await expect.poll(() => dispensed.count(), TIMEOUT).toBe(1);
  expect(await dispensed.textContent()).toContain(`Vial ${proposed} dispensed for day-1`);
  await expect.poll(() => page.getByTestId('dispensing-history').textContent(), TIMEOUT).toContain(proposed);

  // The record behind the screen.
  const dispensings = await expectCall(
    pharmacist,
    'GET',
    `/product/participants/${participantId}/dispensings`,
    undefined,
    200,
  );
  expect(dispensings.map((entry: { vialCode: string }) => entry.vialCode)).toEqual([proposed]);

  // The lot page's label button points at the PDF of the lot.
  await page.goto(`${server.url}/product/lots/${warm.lotId}`);
  const print = page.getByTestId('print-lot-labels');
  await expect.poll(() => print.count(), TIMEOUT).toBe(1);
  const href = (await print.getAttribute('href')) ?? '';
  expect(href).toContain(`lotId=${warm.lotId}`);
  const pdf = await page.request.get(`${server.url}${href}`);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

  // The same pages in Chinese.
  await page.getByText('简体中文').click();
  await page.goto(`${server.url}/product`);
  await expect.poll(() => page.getByRole('heading', { name: '研究用药品' }).count(), TIMEOUT).toBe(1);
  // The heading shows before the inventory has loaded: wait for its tables.
  await expect
    .poll(() => page.getByRole('columnheader', { name: '隔离' }).count(), TIMEOUT)
    .toBeGreaterThan(0);
  await page.getByRole('link', { name: '发药', exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { name: '发药' }).count(), TIMEOUT).toBe(1);
  await page.screenshot({ path: `${SHOTS}/product-dispensing-zh.png`, fullPage: true });
});

it('imports a logger file on the unit page: refused with its bad row listed, then stored with "skip bad rows"', async () => {
  const pharmacist = await apiSignIn(server.url, PHARMACIST, PASSWORD);
  const { unitId } = await freezerWithLot(pharmacist, 'RJ-F3', 'EXO-FILE', 1);
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * MINUTE).toISOString();
  const csv = [
    'Time zone: +00:00',
    'Timestamp,Temperature (°C)',
    `${at(50)},-80.1`,
    `${at(40)},-80.0`,
    'not a time,-80',
    `${at(30)},-79.9`,
    `${at(20)},-80.2`,
  ].join('\n');
  const page = await signIn(PHARMACIST);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/product-import-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/product/units/${unitId}`);
  const file = { name: 'rj-f3.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) };
  await page.locator('input[type="file"]').setInputFiles(file);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const refused = page.getByTestId('import-refused');
  await expect.poll(() => refused.count(), TIMEOUT).toBe(1);
  expect(await refused.getByTestId('bad-rows').textContent()).toBe(
    'Line 5: The time is not a date and time (use YYYY-MM-DD HH:MM[:SS] with a zone).',
  );
  expect(await page.getByText('No temperature reading yet.').count()).toBe(1);

  await page.getByLabel('Skip bad rows (store the good ones)').check();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const result = page.getByTestId('import-result');
  await expect.poll(() => result.count(), TIMEOUT).toBe(1);
  expect(await result.textContent()).toContain('4 of 5 rows stored (0 already present, 1 bad).');
  expect(await result.getByTestId('bad-rows').textContent()).toContain('Line 5:');
  await expect.poll(() => page.getByTestId('temperature-chart').count(), TIMEOUT).toBe(1);
  await page.screenshot({ path: `${SHOTS}/product-unit-import.png`, fullPage: true });
});
