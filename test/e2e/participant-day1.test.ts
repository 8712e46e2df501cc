import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { dateInZone } from '../../src/product/dispensing.service.ts';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { eligibleScreeningForms, sampleVitals } from '../../src/synth/sample-patient.ts';
import { apiAddAccount, apiSignIn, signInPage } from '../support/browser.ts';
import { dispenseThroughApi } from '../support/e2e-product.ts';
import { labelled } from '../support/e2e-vitals.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

// Debian's Chromium, never a downloaded browser. The flags keep it off this machine's closed network.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const ADMIN = { email: 'admin@example.org', password: 'mexcovid oversight 2026' };
const STAFF_PASSWORD = 'site staff password e2e';
const COORDINATOR = 'coordinator@example.org';
const INVESTIGATOR = 'investigator@example.org';
const PHARMACIST = 'pharmacist@example.org';
const SHOTS = 'test-results';
const TIMEOUT = { timeout: 15_000 };

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-day1-'));
// Each account signs in once more to replace the administrator's first password.
const env = {
  EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
  EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
  EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
};
let server: ServerProcess;
let browser: Browser;
let protocol: Protocol;

/** Signs in to the API as the administrator: the session cookie and CSRF token for later calls. */
async function adminSession(): Promise<{ cookie: string; csrfToken: string }> {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(login.status).toBe(200);
  const body = (await login.json()) as { csrfToken: string };
  return { cookie: login.headers.get('set-cookie')?.split(';')[0] ?? '', csrfToken: body.csrfToken };
}

async function addUser(email: string, name: string, role: string) {
  const { cookie, csrfToken } = await adminSession();
  const headers = { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken };
  await apiAddAccount(server.url, headers, {
    email,
    name,
    roles: [role],
    siteIds: ['ruijin'],
    password: STAFF_PASSWORD,
  });
}

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  // The server creates the administrator from the environment; the administrator adds the site staff.
  const port = await freePort();
  server = await startServerProcess(['--port', String(port), '--data', dataDir], env);
  await addUser(COORDINATOR, 'Chen Coordinator', 'study_coordinator');
  await addUser(INVESTIGATOR, 'Ivy Investigator', 'investigator');
  await addUser(PHARMACIST, 'Pia Pharmacist', 'pharmacist');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const signIn = (email: string, password: string): Promise<Page> =>
  signInPage(browser, server.url, email, password);

const toInput = (value: unknown) =>
  // A datetime-local input takes minutes; the samples carry UTC datetimes.
  typeof value === 'string' && /T\d\d:\d\d/.test(value) ? value.slice(0, 16) : String(value);

/** Fills a form through its labels, item by item in protocol order, so skip logic shows each gated item first. */
async function fillForm(page: Page, formId: string, values: Record<string, unknown>) {
  const form = protocol.forms.find((entry) => entry.id === formId);
  if (!form) throw new Error(`no form ${formId}`);
  for (const item of form.items) {
    if (!(item.id in values)) continue;
    const value = values[item.id];
    const label = item.label.en;
    if (item.type === 'boolean') {
      await page
        .getByRole('radiogroup', { name: label })
        .getByLabel(value ? 'Yes' : 'No')
        .check();
    } else if (item.type === 'choice') {
      await page.getByLabel(labelled(label)).selectOption(String(value));
    } else {
      await page.getByLabel(labelled(label)).fill(toInput(value));
    }
  }
}

async function openCell(page: Page, visitKey: string, formId: string) {
  await page.getByTestId(`cell-${visitKey}-${formId}`).click();
  await expect.poll(() => page.locator('form[aria-label]').count(), TIMEOUT).toBe(1);
}

async function saveAndReturn(page: Page, how: 'click' | 'enter' = 'click') {
  if (how === 'enter') {
    // Enter walks field to field and after the last one to Save; Enter there saves.
    const onSave = () => page.evaluate(() => document.activeElement?.getAttribute('type') === 'submit');
    for (let field = 0; field < 30 && !(await onSave()); field += 1) await page.keyboard.press('Enter');
    expect(await onSave()).toBe(true);
    await page.keyboard.press('Enter');
  } else await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect.poll(() => page.getByTestId('save-status').textContent(), TIMEOUT).toBe('Saved.');
  await page.getByRole('link', { name: 'Back to the casebook' }).click();
  await expect.poll(() => page.getByTestId('casebook-grid').count(), TIMEOUT).toBe(1);
}

it('screens, consents, confirms eligibility, enrols and records day 1 through the browser', async () => {
  // Day 1 is today at the site (Shanghai): the pharmacy dispenses and the dose is given within it.
  const today = dateInZone(new Date(), 'Asia/Shanghai');
  const coordinator = await signIn(COORDINATOR, STAFF_PASSWORD);
  onTestFailed(async () => {
    await coordinator.screenshot({ path: `${SHOTS}/participant-day1-failure.png`, fullPage: true });
  });

  // Screen a patient.
  await coordinator.getByRole('link', { name: 'Participants' }).click();
  await coordinator.getByRole('button', { name: 'Screen a patient' }).click();
  await coordinator.getByLabel('Screening date').fill(today);
  await coordinator.getByRole('button', { name: 'Create screening number' }).click();
  await expect
    .poll(() => coordinator.getByTestId('participant-number').textContent(), TIMEOUT)
    .toBe('RJ-S001');
  const participantUrl = coordinator.url();
  const participantId = participantUrl.split('/').pop() ?? '';

  // Record consent.
  await coordinator.getByRole('button', { name: 'Record consent' }).click();
  const consent = coordinator.getByRole('dialog');
  await consent.getByLabel('Consent form version').fill('1.0');
  await consent.getByRole('button', { name: 'Record consent' }).click();
  await expect.poll(() => coordinator.getByTestId('consent-list').count(), TIMEOUT).toBe(1);
  await expect.poll(() => coordinator.getByTestId('casebook-grid').count(), TIMEOUT).toBe(1);

  // The screening forms, with the sample eligible patient's values; one is saved with Enter (walking to Save).
  const screening = eligibleScreeningForms(today, `${today}T08:00:00Z`);
  for (const [formId, values] of Object.entries(screening)) {
    await openCell(coordinator, 'screening', formId);
    if (formId === 'informedConsent') {
      // The consent form holds the consent record's answers read-only: only what it lacks is asked.
      expect(await coordinator.getByTestId('item-consentVersion').getByRole('textbox').inputValue()).toBe(
        '1.0',
      );
      await fillForm(coordinator, formId, { willingToReceive: values.willingToReceive });
    } else {
      await fillForm(coordinator, formId, values);
    }
    await saveAndReturn(coordinator, formId === 'labs' ? 'enter' : 'click');
  }
  await expect
    .poll(() => coordinator.getByTestId('eligibility-status').textContent(), TIMEOUT)
    .toBe('Eligible');
  expect(await coordinator.getByTestId('cell-screening-vitals').getAttribute('data-state')).toBe('complete');
  await coordinator.screenshot({ path: `${SHOTS}/participant-screening-eligible.png`, fullPage: true });

  // The investigator confirms eligibility with the password, in Chinese.
  const investigator = await signIn(INVESTIGATOR, STAFF_PASSWORD);
  await investigator.getByText('简体中文').click();
  await investigator.goto(participantUrl);
  await investigator.getByRole('button', { name: '确认入选资格' }).click();
  const signature = investigator.getByRole('dialog');
  await expect
    .poll(() => signature.getByTestId('signature-meaning').textContent(), TIMEOUT)
    .toContain('本人确认已审阅筛选数据');
  await signature.getByLabel('您的密码').fill('not the password');
  await signature.getByRole('button', { name: '签名' }).click();
  await expect
    .poll(() => signature.getByTestId('signature-error').textContent(), TIMEOUT)
    .toContain('密码不正确');
  await signature.getByLabel('您的密码').fill(STAFF_PASSWORD);
  await investigator.screenshot({ path: `${SHOTS}/eligibility-signature-zh.png` });
  await signature.getByRole('button', { name: '签名' }).click();
  await expect
    .poll(() => investigator.getByTestId('eligibility-confirmed').textContent(), TIMEOUT)
    .toContain('Ivy Investigator');
  await investigator.screenshot({ path: `${SHOTS}/eligibility-confirmed-zh.png`, fullPage: true });

  // The coordinator enrols the participant on day 1 today.
  await coordinator.reload();
  await expect.poll(() => coordinator.getByTestId('eligibility-confirmed').count(), TIMEOUT).toBe(1);
  await coordinator.getByRole('button', { name: 'Enrol', exact: true }).click();
  await coordinator.getByRole('dialog').getByLabel('Day 1 (first dose) date').fill(today);
  await coordinator.getByRole('dialog').getByRole('button', { name: 'Enrol' }).click();
  await expect
    .poll(() => coordinator.getByTestId('participant-status').textContent(), TIMEOUT)
    .toBe('Enrolled');
  await expect
    .poll(() => coordinator.getByTestId('participant-number').textContent(), TIMEOUT)
    .toMatch(/^RJ-\d+$/);

  // Day 1: the pharmacy dispenses a vial (through the API; its screens are tested elsewhere). The
  // exposure form is filled from the dose record: the casebook sends the coordinator to the Dosing
  // screen, where the dose is recorded once with the vial scanned.
  const vialCode = await dispenseThroughApi(
    server.url,
    await apiSignIn(server.url, PHARMACIST, STAFF_PASSWORD),
    {
      siteId: 'ruijin',
      participantId,
      visitId: 'day-1',
      password: STAFF_PASSWORD,
    },
  );
  await openCell(coordinator, 'day-1', 'exposure');
  expect(await coordinator.getByTestId('from-dosing').textContent()).toContain('filled from the dose record');
  await coordinator.getByRole('link', { name: 'Open the Dosing screen' }).click();
  const doseForm = coordinator.getByTestId('dose-form');
  await expect.poll(() => doseForm.count(), TIMEOUT).toBe(1);
  // The vial was thawed when dispensed, just now: the dose starts now and lasts 20 minutes.
  const doseStart = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const local = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 16);
  await doseForm.getByLabel('Vial (scan the code)').fill(vialCode);
  await doseForm.getByLabel('Started').fill(local(doseStart));
  await doseForm.getByLabel('Ended').fill(local(new Date(doseStart.getTime() + 20 * 60_000)));
  // Nothing is answered for the ward: how the nebulisation went, the volume, the device, the symptoms.
  await doseForm.getByLabel(/^Administration/).selectOption('completed');
  await doseForm.getByLabel(/^Volume given/).fill('3');
  await doseForm.getByLabel(/^Vibrating-mesh nebulizer/).selectOption('vibrating-mesh');
  await doseForm.getByRole('radiogroup', { name: 'Bronchospasm' }).getByLabel('No').check();
  await doseForm.getByRole('radiogroup', { name: 'New cough' }).getByLabel('No').check();
  await doseForm.getByRole('button', { name: 'Record the dose' }).click();
  await expect
    .poll(() => coordinator.getByText(`Dose recorded from vial ${vialCode}.`).count(), TIMEOUT)
    .toBe(1);
  await coordinator.goto(participantUrl);
  await expect.poll(() => coordinator.getByTestId('casebook-grid').count(), TIMEOUT).toBe(1);
  const vitalsAt: Array<[string, string]> = [
    ['day-1/pre-dose', `${today}T07:40`],
    ['day-1/post-30', `${today}T08:50`],
    ['day-1/post-120', `${today}T10:20`],
  ];
  for (const [visitKey, assessedAt] of vitalsAt) {
    await openCell(coordinator, visitKey, 'vitals');
    await fillForm(coordinator, 'vitals', sampleVitals(assessedAt));
    if (visitKey === 'day-1/pre-dose') {
      // The shared edit checks run as the user types: a diastolic above the systolic blocks Save.
      await coordinator.getByLabel(labelled('Diastolic blood pressure')).fill('130');
      await expect
        .poll(() => coordinator.getByTestId('item-diastolicBp').textContent(), TIMEOUT)
        .toContain('Diastolic pressure must be below systolic pressure.');
      expect(await coordinator.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
      await coordinator.screenshot({ path: `${SHOTS}/vitals-edit-check.png`, fullPage: true });
      await coordinator.getByLabel(labelled('Diastolic blood pressure')).fill('76');
    }
    await saveAndReturn(coordinator);
  }
  for (const [visitKey, formId] of [
    ['day-1', 'exposure'],
    ['day-1/pre-dose', 'vitals'],
    ['day-1/post-30', 'vitals'],
    ['day-1/post-120', 'vitals'],
  ]) {
    await expect
      .poll(() => coordinator.getByTestId(`cell-${visitKey}-${formId}`).getAttribute('data-state'), TIMEOUT)
      .toBe('complete');
  }
  await coordinator.screenshot({ path: `${SHOTS}/casebook-day1.png`, fullPage: true });

  // The audit trail holds every step, read back by the administrator through the API.
  const { cookie } = await adminSession();
  const audit = async (query: string) => {
    const response = await fetch(`${server.url}/api/v1/audit?${query}&limit=500`, { headers: { cookie } });
    expect(response.status).toBe(200);
    return (
      (await response.json()) as {
        events: Array<{ action: string; field: string | null; actorLabel: string }>;
      }
    ).events;
  };
  const participantEvents = await audit(`participantId=${participantId}`);
  const actions = participantEvents.map((event) => event.action);
  for (const action of [
    'participant.screen',
    'participant.consent',
    'signature.apply',
    'participant.enrol',
  ]) {
    expect(actions, action).toContain(action);
  }
  const formEvents = await audit('entityType=form_record');
  const fields = formEvents.map((event) => event.field ?? '');
  for (const visitKey of ['day-1/pre-dose', 'day-1/post-30', 'day-1/post-120']) {
    expect(fields).toContain(`${visitKey}:vitals[1].spo2`);
  }
  expect(fields).toContain('day-1:exposure[1].vialNumber');
  expect(fields).toContain('screening:demographics[1].birthDate');
  // Every value typed was audited once, by the coordinator.
  const day1Entered = formEvents.filter((event) => event.field?.startsWith('day-1'));
  expect(day1Entered.length).toBe(8 + 3 * 10);
  expect(new Set(day1Entered.map((event) => event.actorLabel)).size).toBe(1);
});
