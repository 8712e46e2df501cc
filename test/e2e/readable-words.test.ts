import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
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
  TRIAL_ADMIN,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// Words a person would use: names (not account ids or sign-in emails), visits and fields by their
// names, absent exclusion criteria as "Not present", one date format per language, the inhalation
// flags where the participant and the safety officer look, and the consent typed once.

const COORDINATOR = trialStaff.coordinator.email;
const INVESTIGATOR = trialStaff.investigator.email;
const PHARMACIST = trialStaff.pharmacist.email;
const MONITOR = trialStaff.monitor.email;
const OFFICER = trialStaff.safetyOfficer.email;
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let participantId = '';
let administrationId = '';
const today = siteDate(new Date(), ZONE);

type Headers = Record<string, string>;
const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);
const formPath = (visitKey: string, formId: string) =>
  `/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=1`;

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'words',
    staff: ['coordinator', 'investigator', 'pharmacist', 'monitor', 'safetyOfficer'],
  });
  ({ server, browser } = trial);
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  ({ participantId } = await call(
    coordinator,
    'POST',
    '/participants',
    { siteId: SITE, screeningDate: today },
    201,
  ));
});

afterAll(async () => trial?.close());

const participantPage = async (page: Page) => {
  await page.goto(`${server.url}/participants/${participantId}`);
  await expect.poll(() => page.getByTestId('participant-number').count(), TIMEOUT).toBe(1);
};

it('records consent once: the informed-consent form shows the consent record read-only and saves it', async () => {
  const page = await signInPage(browser, server.url, COORDINATOR, PASSWORD);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/readable-consent-failure.png`, fullPage: true });
  });
  await participantPage(page);
  await page.getByRole('button', { name: 'Record consent' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Consent form version').fill('1.0');
  // When consent was given defaults to now at the site by the server's clock, with the zone named.
  expect((await dialog.getByLabel('Signed on (date and time)').inputValue()).slice(0, 10)).toBe(today);
  expect(await dialog.textContent()).toContain('Asia/Shanghai (UTC+8)');
  await dialog.getByRole('button', { name: 'Record consent' }).click();
  await expect
    .poll(() => page.getByTestId('consent-obtained-by').textContent(), TIMEOUT)
    .toBe('Chen Coordinator');

  await page.getByTestId('cell-screening-informedConsent').click();
  await expect.poll(() => page.getByTestId('from-consent').count(), TIMEOUT).toBe(1);
  expect(await page.getByTestId('from-consent').textContent()).toContain('Chen Coordinator');
  const version = page.getByTestId('item-consentVersion').getByRole('textbox');
  expect(await version.inputValue()).toBe('1.0');
  expect(await version.isDisabled()).toBe(true);
  const date = page.getByTestId('item-consentDate').locator('input');
  expect(await date.inputValue()).toBe(today);
  expect(await date.isDisabled()).toBe(true);
  expect(await page.getByTestId('item-signedBy').locator('select[data-item="signedBy"]').inputValue()).toBe(
    'participant',
  );
  expect(await page.getByTestId('item-consentSigned').getByLabel('Yes').isChecked()).toBe(true);
  expect(await page.getByTestId('item-consentSigned').getByLabel('Yes').isDisabled()).toBe(true);
  // Only what the consent record does not hold is asked.
  await page
    .getByRole('radiogroup', { name: 'Willing to receive the study treatment' })
    .getByLabel('Yes')
    .check();
  await page.screenshot({ path: `${SHOTS}/readable-consent-form.png`, fullPage: true });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect.poll(() => page.getByTestId('save-status').textContent(), TIMEOUT).toBe('Saved.');
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const saved = await call(coordinator, 'GET', formPath('screening', 'informedConsent'), undefined, 200);
  expect(
    Object.fromEntries(
      Object.entries(saved.entries).map(([item, entry]) => [item, (entry as { value: unknown }).value]),
    ),
  ).toEqual({
    consentSigned: true,
    consentDate: today,
    signedBy: 'participant',
    consentVersion: '1.0',
    willingToReceive: true,
  });
  await page.context().close();
});

it('enrols through the API, then doses with a flagged post-dose reading', async () => {
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const assessedAt = new Date(Date.now() - 2 * 60 * MINUTE).toISOString();
  const { informedConsent: _typedOnce, ...others } = eligibleScreeningForms(today, assessedAt);
  for (const [formId, values] of Object.entries(others)) {
    await call(
      coordinator,
      'PUT',
      formPath('screening', formId),
      { version: 0, entries: entries(values) },
      200,
    );
  }
  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
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
    { day1Date: today, version: detail.version },
    200,
  );
  const pharmacist = await apiSignIn(server.url, PHARMACIST, PASSWORD);
  const vialCode = await dispenseThroughApi(server.url, pharmacist, {
    siteId: SITE,
    participantId,
    visitId: 'day-1',
    password: PASSWORD,
  });
  const start = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
  const dose = await call(
    coordinator,
    'POST',
    `/participants/${participantId}/doses/day-1`,
    {
      status: 'completed',
      vialCode,
      startedAt: siteLocal(start),
      endedAt: siteLocal(new Date(start.getTime() + 15 * MINUTE)),
      volumeMl: 3,
      device: 'vibrating-mesh',
    },
    201,
  );
  administrationId = dose.administrationId;
  const readings: Array<[string, Date, number]> = [
    ['day-1/pre-dose', new Date(start.getTime() - 10 * MINUTE), 95],
    ['day-1/post-30', new Date(start.getTime() + 5 * MINUTE), 87],
  ];
  for (const [visitKey, at, spo2] of readings) {
    await call(
      coordinator,
      'PUT',
      formPath(visitKey, 'vitals'),
      { version: 0, entries: entries({ ...sampleVitals(siteLocal(at)), spo2 }) },
      200,
    );
  }
});

it('shows names, visit labels, criteria and flags in words, in English and Chinese', async () => {
  const page = await signInPage(browser, server.url, MONITOR, PASSWORD);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/readable-participant-failure.png`, fullPage: true });
  });
  await participantPage(page);
  await expect.poll(() => page.getByTestId('flag-reading').count(), TIMEOUT).toBe(1);
  // Consent and audit trail name people; no account id or sign-in email is shown.
  expect(await page.getByTestId('consent-obtained-by').textContent()).toBe('Chen Coordinator');
  expect(await page.getByTestId('consent-list').textContent()).toMatch(
    /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+8/,
  );
  await expect.poll(() => page.getByTestId('audit-who').count(), TIMEOUT).toBeGreaterThan(5);
  const who = await page.getByTestId('audit-who').allTextContents();
  expect(who).toContain('Chen Coordinator');
  expect(who).toContain('Ivy Investigator');
  for (const name of who) {
    expect(name).not.toMatch(UUID);
    expect(name).not.toContain('@');
  }
  // The newest events (the trail's first page) include the post-dose vitals.
  const fields = await page.getByTestId('audit-field').allTextContents();
  expect(fields).toContain(
    'Day 1 (dose 1) · 30 minutes after the dose · Vital signs and oxygen support · Oxygen saturation (SpO2)',
  );
  expect(fields.join('\n')).not.toMatch(/screening:|day-1\//);
  // Visits by the protocol's names; absent exclusion criteria neutral, not a green "Met".
  expect(await page.getByText('Day 2 (dose 2)', { exact: true }).count()).toBeGreaterThan(0);
  expect(await page.locator('main').textContent()).not.toMatch(/\bday-\d/);
  const exclusions = page.locator('[data-testid^="criterion-ex"] [data-verdict]');
  expect(await exclusions.count()).toBeGreaterThan(5);
  expect(new Set(await exclusions.allTextContents())).toEqual(new Set(['Not present']));
  const inclusions = page.locator('[data-testid^="criterion-in"] [data-verdict]');
  expect(new Set(await inclusions.allTextContents())).toEqual(new Set(['Met']));
  // The post-dose reading's flags, one box for the reading, with "record an adverse event".
  const reading = page.getByTestId('flag-reading');
  expect(await reading.textContent()).toContain('Dose 1 · Day 1 (dose 1) · 30 minutes after the dose');
  expect(await reading.getByRole('button', { name: 'Record an adverse event' }).count()).toBe(1);
  await page.screenshot({ path: `${SHOTS}/readable-participant-en.png`, fullPage: true });

  await page.getByText('简体中文').click();
  await expect.poll(() => page.getByText('雾化吸入标记').count(), TIMEOUT).toBeGreaterThan(0);
  expect(new Set(await exclusions.allTextContents())).toEqual(new Set(['无']));
  expect(await page.getByText('第 2 天（第 2 次给药）', { exact: true }).count()).toBeGreaterThan(0);
  const [year, month, day] = today.split('-').map(Number);
  expect(await page.getByTestId('consent-list').textContent()).toMatch(
    new RegExp(`${year}年${month}月${day}日 \\d{2}:\\d{2} UTC\\+8`),
  );
  expect(await page.getByTestId('flag-reading').textContent()).toContain(
    '第 1 次给药 · 第 1 天（第 1 次给药） · 给药后 30 分钟',
  );
  expect(await page.getByTestId('audit-field').allTextContents()).toContain(
    '第 1 天（第 1 次给药） · 给药后 30 分钟 · 生命体征及氧疗支持 · 血氧饱和度（SpO2）',
  );
  await page.screenshot({ path: `${SHOTS}/readable-participant-zh.png`, fullPage: true });
  await page.context().close();
});

it("lists the flagged dose on the safety officer's dashboard until an AE is recorded from it, then links the AE", async () => {
  const officer = await signInPage(browser, server.url, OFFICER, PASSWORD);
  onTestFailed(async () => {
    await officer.screenshot({ path: `${SHOTS}/readable-safety-failure.png`, fullPage: true });
  });
  await officer.goto(`${server.url}/safety`);
  await expect.poll(() => officer.getByTestId('flagged-dose').count(), TIMEOUT).toBe(1);
  const row = officer.getByTestId('flagged-dose');
  await expect.poll(() => row.textContent(), TIMEOUT).toContain('Dose 1 · Day 1 (dose 1)');
  const link = row.getByRole('link', { name: 'Record an adverse event' });
  expect(await link.getAttribute('href')).toBe(`/safety/dosing?participant=${participantId}&visit=day-1`);
  await officer.getByText('简体中文').click();
  await expect.poll(() => officer.getByText('待决定是否记录不良事件的雾化吸入标记').count(), TIMEOUT).toBe(1);
  expect(await officer.getByTestId('flagged-dose').getByRole('link', { name: '记录不良事件' }).count()).toBe(
    1,
  );
  await officer.screenshot({ path: `${SHOTS}/readable-safety-zh.png`, fullPage: true });

  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
  const onset = siteLocal(new Date(Date.now() - 5 * MINUTE));
  const ae = await call(
    investigator,
    'POST',
    `/participants/${participantId}/adverse-events`,
    {
      administrationId,
      entries: entries({
        term: 'Oxygen saturation decreased',
        onsetAt: onset,
        ongoing: true,
        grade: 2,
        serious: false,
        causality: 'probable',
        inhalationAssociated: true,
        actionTaken: 'none',
        outcome: 'recovering',
      }),
    },
    201,
  );
  await officer.reload();
  await expect.poll(() => officer.getByText('所有触发标记的给药均已记录不良事件。').count(), TIMEOUT).toBe(1);
  expect(await officer.getByTestId('flagged-doses').count()).toBe(0);
  await officer.context().close();

  // On the participant page the reading's flags now link the event recorded from the dose.
  const page = await signInPage(browser, server.url, INVESTIGATOR, PASSWORD);
  await participantPage(page);
  const events = page.getByTestId('flag-reading').getByTestId('flag-events');
  await expect.poll(() => events.getByRole('link').count(), TIMEOUT).toBe(1);
  expect(await events.getByRole('link').getAttribute('href')).toBe(`/safety?tab=events&ae=${ae.aeId}`);
  expect(await events.textContent()).toContain('Oxygen saturation decreased');
  // The event's history names who changed it, and the field in words.
  await call(
    investigator,
    'PUT',
    `/adverse-events/${ae.aeId}`,
    { version: ae.version, entries: { grade: { value: 3 } }, reason: 'Needed oxygen at 4 L/min.' },
    200,
  );
  await events.getByRole('link').click();
  const history = page.getByTestId('ae-history');
  await expect.poll(() => history.locator('tbody tr').count(), TIMEOUT).toBeGreaterThan(0);
  const change = history.locator('tbody tr').filter({ hasText: 'Needed oxygen' });
  expect(await change.textContent()).toContain('Ivy Investigator');
  expect(await change.textContent()).toContain('CTCAE grade');
  expect(await change.textContent()).not.toContain('@');
  await page.context().close();
});

it('writes dates one way on the SDV and lot pages, and names who paused dosing and who issued a token', async () => {
  const dateTime = /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+8/;
  const zhDateTime = /\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} UTC\+8/;
  // What a page would show if it wrote dates itself: raw ISO, or the browser's own locale formats.
  const ownFormats = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{1,2} [A-Z][a-z]{2} \d{4}|\d{1,2}\/\d{1,2}\/\d{4}/;
  const monitor = await signInPage(browser, server.url, MONITOR, PASSWORD);
  onTestFailed(async () => {
    await monitor.screenshot({ path: `${SHOTS}/readable-dates-failure.png`, fullPage: true });
  });
  await monitor.goto(`${server.url}/participants/${participantId}/sdv`);
  const sdv = monitor.locator('main');
  await expect.poll(() => sdv.textContent(), TIMEOUT).toMatch(dateTime);
  expect(await sdv.textContent()).not.toMatch(ownFormats);
  await monitor.getByText('简体中文').click();
  await expect.poll(() => sdv.textContent(), TIMEOUT).toMatch(zhDateTime);
  expect(await sdv.textContent()).not.toMatch(ownFormats);
  await monitor.context().close();

  const pharmacistHeaders = await apiSignIn(server.url, PHARMACIST, PASSWORD);
  const [lot] = await call(pharmacistHeaders, 'GET', '/product/lots', undefined, 200);
  const pharmacist = await signInPage(browser, server.url, PHARMACIST, PASSWORD);
  await pharmacist.goto(`${server.url}/product/lots/${lot.lotId}`);
  const lotPage = pharmacist.locator('main');
  // Released by whom and when, the time in the study's zone once the protocol has loaded.
  await expect
    .poll(() => lotPage.textContent(), TIMEOUT)
    .toMatch(/Pia Pharmacist, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+8/);
  expect(await lotPage.textContent()).not.toMatch(ownFormats);
  await pharmacist.context().close();

  // Who paused dosing, by name, on the safety officer's dashboard.
  const officerHeaders = await apiSignIn(server.url, OFFICER, PASSWORD);
  const pause = await call(officerHeaders, 'POST', '/safety/pauses', { reason: 'Signal under review' }, 201);
  const officer = await signInPage(browser, server.url, OFFICER, PASSWORD);
  await officer.goto(`${server.url}/safety`);
  const open = officer.getByTestId('open-pause');
  await expect
    .poll(() => open.textContent(), TIMEOUT)
    .toMatch(/Paused since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+8 by Sam Safety/);
  expect(await open.textContent()).not.toContain('@');
  await call(
    officerHeaders,
    'POST',
    `/safety/pauses/${pause.pauseId}/resume`,
    {
      version: pause.version,
      reason: 'Reviewed',
    },
    200,
  );
  await officer.context().close();

  // Who holds and who issued an API token, by name, on the administrator's token list.
  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
  await call(investigator, 'POST', '/tokens', { name: 'nightly export', password: PASSWORD }, 201);
  const admin = await signInPage(browser, server.url, TRIAL_ADMIN.email, TRIAL_ADMIN.password);
  await admin.goto(`${server.url}/admin/tokens`);
  await expect
    .poll(() => admin.getByTestId('token-created-by').allTextContents(), TIMEOUT)
    .toEqual(['Ivy Investigator']);
  expect(await admin.getByTestId('token-owner').allTextContents()).toEqual(['Ivy Investigator']);
  // The audit trail's actions in words, not codes.
  await admin.goto(`${server.url}/admin/audit`);
  await expect
    .poll(() => admin.getByTestId('audit-action').allTextContents(), TIMEOUT)
    .toContain('API token issued');
  expect((await admin.getByTestId('audit-action').allTextContents()).join('\n')).not.toMatch(
    /\b[a-z]+\.[a-z_]+\b/,
  );
  await admin.context().close();
});
