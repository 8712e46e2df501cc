import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
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

const PHARMACIST = trialStaff.pharmacist.email;
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const CONCENTRATION = '6.67e7';

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
type Headers = Record<string, string>;

const expectCall = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);

const enrolParticipant = () => enrolThroughApi(server.url);

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'product-workflows',
    staff: ['coordinator', 'investigator', 'pharmacist'],
  });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Signs in in the site's zone, as the ward's computers do. */
const signIn = (email: string): Promise<Page> =>
  signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });

/** Chooses an option of a Mantine select found by its test id. */
async function choose(page: Page, testId: string, option: string | RegExp) {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}

it('registers a lot, enters its results, is refused then signs the release; thaws, dispenses and returns a vial; ships one with its custody trail; rejects a failed lot', async () => {
  const pharmacist = await apiSignIn(server.url, PHARMACIST, PASSWORD);
  await expectCall(
    pharmacist,
    'POST',
    '/product/storage-units',
    {
      code: 'WF-F1',
      name: 'Pharmacy freezer',
      kind: 'freezer',
      siteId: SITE,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 30,
    },
    201,
  );
  const ward = await expectCall(
    pharmacist,
    'POST',
    '/product/storage-units',
    {
      code: 'WF-F2',
      name: 'Ward freezer',
      kind: 'freezer',
      siteId: SITE,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 30,
    },
    201,
  );
  const { participantId, studyNumber } = await enrolParticipant();
  const page = await signIn(PHARMACIST);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/product-workflows-failure.png`, fullPage: true });
  });

  // Register the lot from the dashboard: the lot's page opens, pending release.
  await page.getByRole('link', { name: 'Product', exact: true }).click();
  await page.getByRole('button', { name: 'Register a lot…' }).click();
  const form = page.getByRole('dialog');
  await form.getByLabel('Lot number').fill('EXO-WF-001');
  await form.getByLabel('Manufacturer').fill('Cellular Biomedicine Lab');
  await form.getByLabel('Manufacture date').fill(siteDate(new Date(Date.now() - 10 * 24 * HOUR), ZONE));
  await form.getByLabel(/^Label concentration/).fill(CONCENTRATION);
  await form.getByLabel(/^Volume per vial/).fill('3');
  await form.getByLabel(/^Number of vials/).fill('3');
  await choose(page, 'lot-unit-select', /^WF-F1/);
  await form.getByRole('button', { name: 'Register' }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Lot EXO-WF-001' }).count(), TIMEOUT).toBe(1);
  expect(await page.getByTestId('lot-status').textContent()).toBe('Pending release');
  expect(await page.getByTestId('not-releasable').textContent()).toContain('Bacterial endotoxin');

  // Release results, endotoxin above its limit: the server's judgement is shown per test.
  const results = page.getByTestId('release-results-form');
  await results.getByTestId('result-particle-count').fill('7.0e7');
  await results.getByTestId('result-modal-size').fill('118');
  for (const [testId, value] of [
    ['cd9', 'present'],
    ['cd63', 'present'],
    ['cd81', 'present'],
    ['tsg101', 'present'],
    ['calnexin', 'absent'],
    ['sterility', 'negative'],
    ['mycoplasma', 'negative'],
  ] as const) {
    await choose(page, `result-${testId}`, value);
  }
  await results.getByTestId('result-endotoxin').fill('0.8');
  await results.getByRole('button', { name: 'Save the results' }).click();
  const verdict = (testId: string) => page.getByTestId(`judgement-${testId}`).getByTestId('judgement');
  await expect
    .poll(() => page.getByTestId('judgement-endotoxin').textContent(), TIMEOUT)
    .toContain('0.8 {EU}/mL is outside < 0.5');
  expect(await verdict('endotoxin').textContent()).toBe('Fails or missing');
  expect(await page.getByTestId('results-saved').count()).toBe(1);
  expect(await verdict('particle-count').textContent()).toBe('Meets the specification');
  expect(await page.getByTestId('judgement-particle-count').textContent()).toContain('104.9% of label');
  expect(await verdict('cd9').textContent()).toBe('Meets the specification');

  // The release signature is refused with the API's message while a test fails.
  await page.getByTestId('release-lot').click();
  const signature = page.getByRole('dialog');
  expect(await signature.getByTestId('signature-meaning').textContent()).toContain(
    'I certify that this lot was manufactured and tested as specified',
  );
  await signature.getByLabel('Your password').fill(PASSWORD);
  await signature.getByRole('button', { name: 'Sign' }).click();
  const refusal = signature.getByTestId('signature-error');
  await expect.poll(() => refusal.count(), TIMEOUT).toBe(1);
  expect(await refusal.textContent()).toBe(
    'Lot EXO-WF-001 does not meet the specification and cannot be released.',
  );
  await page.screenshot({ path: `${SHOTS}/product-lot-release-refused.png`, fullPage: true });
  await signature.getByRole('button', { name: 'Cancel' }).click();
  expect(await page.getByTestId('lot-status').textContent()).toBe('Pending release');

  // The retest passes; the release is signed.
  await results.getByTestId('result-endotoxin').fill('0.12');
  await results.getByRole('button', { name: 'Save the results' }).click();
  await expect.poll(() => verdict('endotoxin').textContent(), TIMEOUT).toBe('Meets the specification');
  expect(await page.getByTestId('not-releasable').count()).toBe(0);
  await page.getByTestId('release-lot').click();
  await page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('dialog').getByRole('button', { name: 'Sign' }).click();
  await expect.poll(() => page.getByTestId('lot-status').textContent(), TIMEOUT).toBe('Released');
  expect(await page.getByText(/^Released by Pia Pharmacist/).count()).toBe(1);
  expect(await page.getByTestId('release-results-form').count()).toBe(0);
  await page.screenshot({ path: `${SHOTS}/product-lot-released.png`, fullPage: true });
  const lots = await expectCall(pharmacist, 'GET', '/product/lots', undefined, 200);
  const lot = lots.find((entry: { lotNumber: string }) => entry.lotNumber === 'EXO-WF-001');
  expect(lot).toMatchObject({ status: 'released', vialCount: 3, volumeMl: 3, releasedBy: 'Pia Pharmacist' });
  expect(lot.concentrationPerMl).toBeCloseTo(6.67e7);

  // Thaw the proposed vial: its thaw-to-use window starts and shows the time left.
  await page.goto(`${server.url}/product/dispensing`);
  await choose(page, 'participant-select', studyNumber);
  await page.getByTestId('dose-select').click();
  await page.getByRole('option').first().click();
  const proposed = (await page.getByTestId('proposed-code').textContent({ timeout: 15_000 })) ?? '';
  expect(proposed).toMatch(/^EXO-WF-001-000[1-3]$/);
  await page.getByTestId('thaw').click();
  const left = page.getByTestId('proposal').getByTestId('time-left');
  await expect.poll(() => left.count(), TIMEOUT).toBe(1);
  expect(await left.textContent()).toMatch(/^5 h 5\d min left to use it$/);
  const thawed = await expectCall(pharmacist, 'GET', `/product/vials/by-code/${proposed}`, undefined, 200);
  expect(thawed.thawedAt).not.toBeNull();
  expect(Date.parse(thawed.useBy) - Date.parse(thawed.thawedAt)).toBe(6 * HOUR);

  // Dispense it by scan, then it comes back unused: a wrong scan is refused, the right one recorded.
  const scan = page.getByTestId('scan-input');
  await scan.fill(proposed);
  await scan.press('Enter');
  await expect.poll(() => page.getByTestId('dispensed').count(), TIMEOUT).toBe(1);
  await page.getByTestId(`return-${proposed}`).click();
  const returnDialog = page.getByRole('dialog');
  const other = proposed === 'EXO-WF-001-0001' ? 'EXO-WF-001-0002' : 'EXO-WF-001-0001';
  await returnDialog.getByTestId('return-scan').fill(other);
  await returnDialog.getByTestId('return-reason').fill('Dose not given: the participant was off the ward.');
  await returnDialog.getByRole('button', { name: 'Record the return' }).click();
  const returnError = returnDialog.getByTestId('return-error');
  await expect.poll(() => returnError.count(), TIMEOUT).toBe(1);
  expect(await returnError.textContent()).toContain(
    `You scanned ${other}, but this dispensing was vial ${proposed}`,
  );
  expect(await returnDialog.getByTestId('return-scan').inputValue()).toBe('');
  await returnDialog.getByTestId('return-scan').fill(proposed);
  await returnDialog.getByRole('button', { name: 'Record the return' }).click();
  await expect.poll(() => page.getByTestId('return-done').count(), TIMEOUT).toBe(1);
  const history = page.getByTestId('dispensing-history');
  await expect.poll(() => history.getByTestId('returned').textContent(), TIMEOUT).toContain('Returned · ');
  expect(await history.getByTestId('returned').textContent()).toContain(
    'by Pia Pharmacist: Dose not given: the participant was off the ward.',
  );
  await page.screenshot({ path: `${SHOTS}/product-vial-returned.png`, fullPage: true });

  const returns = await expectCall(pharmacist, 'GET', '/product/returns', undefined, 200);
  expect(returns).toHaveLength(1);
  expect(returns[0]).toMatchObject({
    participantId,
    thawWindowPassed: false,
    vial: { code: proposed, state: 'returned' },
  });

  // The dose may be dispensed again: another vial is proposed, not yet thawed.
  await expect
    .poll(async () => (await page.getByTestId('proposed-code').textContent()) ?? '', TIMEOUT)
    .toMatch(/^EXO-WF-001-000[1-3]$/);
  expect(await page.getByTestId('proposed-code').textContent()).not.toBe(proposed);
  expect(await page.getByTestId('thaw').count()).toBe(1);

  // A shipment of one vial to the ward freezer: packed, handed to the courier, received, each signed.
  await page.goto(`${server.url}/product/shipments`);
  await page.getByRole('button', { name: 'Pack a shipment…' }).click();
  const pack = page.getByRole('dialog');
  await choose(page, 'pack-from', /^WF-F1 /);
  await choose(page, 'pack-to', /^WF-F2 /);
  const box = pack.getByTestId('pack-vials').getByRole('checkbox').first();
  await expect.poll(() => box.count(), TIMEOUT).toBe(1);
  await box.check();
  expect(await pack.getByTestId('custody-meaning').textContent()).toContain('I packed and sealed the vials');
  await pack.getByLabel('Your password').fill(PASSWORD);
  await pack.getByRole('button', { name: 'Sign' }).click();
  const shipment = page.getByTestId('shipment');
  await expect.poll(() => shipment.getByTestId('shipment-status').textContent(), TIMEOUT).toBe('Packed');
  await shipment.getByRole('button', { name: 'Hand to the courier…' }).click();
  await page
    .getByRole('dialog')
    .getByLabel(/^Courier/)
    .fill('SF Express, Wang Li');
  await page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('dialog').getByRole('button', { name: 'Sign' }).click();
  await expect
    .poll(() => shipment.getByTestId('shipment-status').textContent(), TIMEOUT)
    .toBe('With the courier');
  await shipment.getByRole('button', { name: 'Receive…' }).click();
  await page.getByRole('dialog').getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('dialog').getByRole('button', { name: 'Sign' }).click();
  await expect.poll(() => shipment.getByTestId('shipment-status').textContent(), TIMEOUT).toBe('Received');
  const custody = shipment.getByTestId('custody').locator('tbody tr');
  expect(await custody.count()).toBe(3);
  expect(await custody.nth(1).textContent()).toContain('Handed to the courier');
  expect(await custody.nth(2).textContent()).toContain('Pia Pharmacist');
  expect(await shipment.textContent()).toContain('courier SF Express, Wang Li');
  await page.screenshot({ path: `${SHOTS}/product-shipments.png`, fullPage: true });
  const shipped = await expectCall(pharmacist, 'GET', '/product/shipments', undefined, 200);
  expect(shipped).toHaveLength(1);
  expect(shipped[0]).toMatchObject({ status: 'received', condition: 'acceptable', toUnitId: ward.unitId });
  const moved = await expectCall(
    pharmacist,
    'GET',
    `/product/vials/by-code/${shipped[0].vialCodes[0]}`,
    undefined,
    200,
  );
  expect(moved).toMatchObject({ unitId: ward.unitId, state: 'in_stock' });

  // A second lot that failed sterility is rejected, signed with the reason.
  const failed = await expectCall(
    pharmacist,
    'POST',
    '/product/lots',
    {
      lotNumber: 'EXO-WF-002',
      manufacturer: 'Cellular Biomedicine Lab',
      manufacturedOn: siteDate(new Date(Date.now() - 5 * 24 * HOUR), ZONE),
      concentrationPerMl: 6.67e7,
      volumeMl: 3,
      vialCount: 2,
      unitId: ward.unitId,
    },
    201,
  );
  await page.goto(`${server.url}/product/lots/${failed.lotId}`);
  await page.getByTestId('reject-lot').click();
  const reject = page.getByRole('dialog');
  await reject
    .getByLabel(/^Reason for the rejection/)
    .fill('Sterility test positive (batch record 2026-117).');
  await reject.getByLabel('Your password').fill(PASSWORD);
  await reject.getByRole('button', { name: 'Sign' }).click();
  await expect.poll(() => page.getByTestId('lot-status').textContent(), TIMEOUT).toBe('Rejected');
  expect(await page.getByText('Rejected: Sterility test positive (batch record 2026-117).').count()).toBe(1);
  expect(await page.getByTestId('release-lot').count()).toBe(0);

  // The returned state in Chinese.
  await page.getByText('简体中文').click();
  await page.goto(`${server.url}/product/dispensing`);
  await choose(page, 'participant-select', studyNumber);
  await expect.poll(() => page.getByTestId('returned').textContent(), TIMEOUT).toContain('已退回');
});
