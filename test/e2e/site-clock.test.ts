import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { eligibleScreeningForms, sampleVitals } from '../../src/synth/sample-patient.ts';
import { apiSignIn, signInPage } from '../support/browser.ts';
import { dispenseThroughApi } from '../support/e2e-product.ts';
import {
  entries,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  SITE,
  siteDate,
  siteLocal,
  startTrialServer,
  type TrialServer,
  trialStaff,
} from '../support/e2e-trial.ts';
import { labelled, saveVitalsCard, vitalsLabel } from '../support/e2e-vitals.ts';
import type { ServerProcess } from '../support/server-process.ts';

// A ward computer set to another zone than the site's: every "now" and "today" the pages offer is the
// site's, so a post-dose reading lands after the dose (and raises its flag) and dose 1 is due, not
// missed, right after enrolment.

const COORDINATOR = trialStaff.coordinator.email;
const INVESTIGATOR = trialStaff.investigator.email;
const PHARMACIST = trialStaff.pharmacist.email;
const SITE_ZONE = 'Asia/Shanghai';
const BROWSER_ZONE = 'America/New_York';
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let protocol: Protocol;

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  trial = await startTrialServer({ name: 'clock', staff: ['coordinator', 'investigator', 'pharmacist'] });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Adds minutes to a wall-clock text (read as if UTC, which keeps the arithmetic on the wall clock). */
const plusMinutes = (text: string, minutes: number) =>
  new Date(Date.parse(`${text}:00Z`) + minutes * MINUTE).toISOString().slice(0, 16);

/** Screens, consents and confirms an eligible participant through the API; enrolment is left to the page. */
async function eligibleParticipant(): Promise<string> {
  const today = siteDate(new Date(), SITE_ZONE);
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const call = (method: string, path: string, body: unknown, status: number) =>
    expectApiCall(server.url, coordinator, method, path, body, status);
  const { participantId } = await call('POST', '/participants', { siteId: SITE, screeningDate: today }, 201);
  // Consent a few hours ago, but never before the screening day began at the site (just after midnight
  // there, "three hours ago" is the day before).
  const consentedAt = Math.max(Date.parse(`${today}T00:00:00+08:00`), Date.now() - 3 * HOUR);
  await call(
    'POST',
    `/participants/${participantId}/consent`,
    { formVersion: '1.0', consentedAt: new Date(consentedAt).toISOString(), signer: 'participant' },
    201,
  );
  const assessedAt = new Date(Math.max(consentedAt, Date.now() - 2 * HOUR)).toISOString();
  for (const [formId, values] of Object.entries(eligibleScreeningForms(today, assessedAt))) {
    await call(
      'PUT',
      `/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
      { version: 0, entries: entries(values) },
      200,
    );
  }
  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
  await expectApiCall(
    server.url,
    investigator,
    'POST',
    `/participants/${participantId}/eligibility/confirm`,
    { password: PASSWORD },
    200,
  );
  return participantId;
}

const saveReading = (card: Locator, values: Record<string, unknown>) =>
  saveVitalsCard(card, protocol, values);

it("offers the site's time from a browser in another zone: the post-dose reading lands after the dose and raises its flag", async () => {
  const participantId = await eligibleParticipant();
  const page = await signInPage(browser, server.url, COORDINATOR, PASSWORD, { timeZone: BROWSER_ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/site-clock-failure.png`, fullPage: true });
  });
  expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(BROWSER_ZONE);

  // Enrolment offers today at the site as day 1, and dose 1 is then due, not missed.
  await page.goto(`${server.url}/participants/${participantId}`);
  await page.getByRole('button', { name: 'Enrol', exact: true }).click();
  const dialog = page.getByRole('dialog');
  const day1 = dialog.getByLabel('Day 1 (first dose) date');
  await expect.poll(() => day1.inputValue(), TIMEOUT).toBe(siteDate(new Date(), SITE_ZONE));
  expect(await day1.getAttribute('max')).toBe('9999-12-31');
  expect(await dialog.textContent()).toContain(SITE_ZONE);
  await dialog.getByRole('button', { name: 'Enrol' }).click();
  await expect.poll(() => page.getByTestId('participant-status').textContent(), TIMEOUT).toBe('Enrolled');

  const vialCode = await dispenseThroughApi(server.url, await apiSignIn(server.url, PHARMACIST, PASSWORD), {
    siteId: SITE,
    participantId,
    visitId: 'day-1',
    password: PASSWORD,
  });
  await page.goto(`${server.url}/safety/dosing?participant=${participantId}&visit=day-1`);
  const doseForm = page.getByTestId('dose-form');
  await expect.poll(() => doseForm.count(), TIMEOUT).toBe(1);
  const doseRow = page.getByRole('row').filter({ hasText: 'Day 1 (dose 1)' });
  expect(await doseRow.textContent()).toContain('Due');
  expect(await doseRow.textContent()).not.toContain('Missed');

  // Pre-dose vitals measured "now": the site's wall clock, not New York's.
  const preDose = page.getByTestId('vitals-day-1/pre-dose');
  const before = new Date();
  await preDose.getByRole('button', { name: 'Now at the site' }).click();
  const measured = await preDose.getByLabel(labelled(vitalsLabel(protocol, 'assessedAt'))).inputValue();
  const after = new Date();
  expect([siteLocal(before, SITE_ZONE), siteLocal(after, SITE_ZONE)]).toContain(measured);
  expect(measured).not.toBe(siteLocal(before, BROWSER_ZONE));
  expect(await preDose.textContent()).toContain('Asia/Shanghai (UTC+8)');
  const { assessedAt: _typedLater, ...baseline } = sampleVitals(measured);
  await saveReading(preDose, { ...baseline, spo2: 96 });

  // The dose: started now at the site; an end equal to the start is refused at once, in a sentence.
  await doseForm.getByLabel(/^Vial \(scan the code\)/).fill(vialCode);
  await doseForm.getByRole('button', { name: 'Now at the site' }).first().click();
  const started = await doseForm.getByLabel(/^Started/).inputValue();
  expect([siteLocal(before, SITE_ZONE), siteLocal(new Date(), SITE_ZONE)]).toContain(started);
  await doseForm.getByLabel(/^Ended/).fill(started);
  await expect.poll(() => doseForm.getByText('The end must be after the start.').count(), TIMEOUT).toBe(1);
  await doseForm.getByLabel(/^Ended/).fill(plusMinutes(started, 15));
  await doseForm.getByLabel(/^Administration/).selectOption('completed');
  await doseForm.getByLabel(/^Volume given/).fill('3');
  await doseForm.getByLabel(/^Vibrating-mesh nebulizer/).selectOption('vibrating-mesh');
  await doseForm.getByRole('radiogroup', { name: 'Bronchospasm' }).getByLabel('No').check();
  await doseForm.getByRole('radiogroup', { name: 'New cough' }).getByLabel('No').check();
  expect(await doseForm.getByText('The end must be after the start.').count()).toBe(0);
  await doseForm.getByRole('button', { name: 'Record the dose' }).click();
  await expect.poll(() => page.getByText(`Dose recorded from vial ${vialCode}.`).count(), TIMEOUT).toBe(1);

  // Thirty minutes after the start, SpO2 87 %: typed in site time, read in site time, after the dose.
  const post30 = page.getByTestId('vitals-day-1/post-30');
  await saveReading(post30, { ...sampleVitals(plusMinutes(started, 30)), spo2: 87 });
  const flags = page.getByTestId('inhalation-flag');
  await expect.poll(() => flags.count(), TIMEOUT).toBeGreaterThan(0);
  expect(await flags.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('SpO2')]));
  await page.screenshot({ path: `${SHOTS}/site-clock-dosing.png`, fullPage: true });

  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const schedule = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/participants/${participantId}/doses`,
    undefined,
    200,
  );
  const administration = schedule.doses[0].administration;
  expect(administration.startedLocal.slice(0, 16)).toBe(started);
  const low = administration.flags.find((flag: { kind: string }) => flag.kind === 'spo2-low');
  expect(low).toMatchObject({ observed: 87, source: 'day-1/post-30' });
  expect(Date.parse(low.at)).toBeGreaterThan(Date.parse(administration.startedAt));
  expect(Date.parse(low.at) - Date.parse(administration.startedAt)).toBe(30 * MINUTE);
});

it("offers the site's today as a new lot's manufacture date, from a browser in another zone", async () => {
  const pharmacist = await apiSignIn(server.url, PHARMACIST, PASSWORD);
  await expectApiCall(
    server.url,
    pharmacist,
    'POST',
    '/product/storage-units',
    {
      code: 'CLOCK-F1',
      name: 'Pharmacy freezer (clock)',
      kind: 'freezer',
      siteId: SITE,
      nominalCelsius: -80,
      lowCelsius: -90,
      highCelsius: -60,
      excursionToleranceMinutes: 30,
    },
    201,
  );
  const page = await signInPage(browser, server.url, PHARMACIST, PASSWORD, { timeZone: BROWSER_ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/site-clock-lot-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/product`);
  await page.getByRole('button', { name: 'Register a lot…' }).click();
  const dialog = page.getByRole('dialog');
  await page.getByTestId('lot-unit-select').click();
  await page.getByRole('option', { name: /^CLOCK-F1/ }).click();
  // Today where the vials arrive (the unit's site), by the server's clock: never New York's date.
  const manufactured = dialog.getByLabel('Manufacture date');
  const before = siteDate(new Date(), SITE_ZONE);
  await expect.poll(() => manufactured.inputValue(), TIMEOUT).not.toBe('');
  expect([before, siteDate(new Date(), SITE_ZONE)]).toContain(await manufactured.inputValue());
  expect([before, siteDate(new Date(), SITE_ZONE)]).toContain(await manufactured.getAttribute('max'));
  // The arrival time is read in the site's zone, which the field names.
  expect(await dialog.textContent()).toContain('Asia/Shanghai (UTC+8)');
  await page.context().close();
});
