import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { formSlots } from '../../src/participants/schedule.ts';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { sampleVitals } from '../../src/synth/sample-patient.ts';
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
import { labelled, vitalsLabel } from '../support/e2e-vitals.ts';
import type { ServerProcess } from '../support/server-process.ts';

// ALCOA+: every value on a page is what was saved, what the user typed, or nothing. A participant with
// nothing saved shows no clinical value on any form of the schedule nor on the dosing page; what the
// dosing page saves is what it shows after a reload.

const COORDINATOR = trialStaff.coordinator.email;
const TIMEOUT = { timeout: 15_000 };

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let protocol: Protocol;
/** The enrolled participant of the first test, whose pre-dose vitals of day 1 are saved. */
let enrolledId = '';

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  trial = await startTrialServer({ name: 'empty', staff: ['coordinator', 'investigator'] });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

interface InputState {
  label: string;
  type: string;
  value: string;
}

/** Every input, select and text area under `root`, with what it shows (a radio or checkbox: "checked" or ""). */
const inputsOf = (root: Locator): Promise<InputState[]> =>
  root.evaluate((element) =>
    [...element.querySelectorAll('input, select, textarea')]
      .filter((input) => (input as HTMLInputElement).type !== 'hidden')
      .map((node) => {
        const input = node as HTMLInputElement;
        const checkable = input.type === 'radio' || input.type === 'checkbox';
        const label = input.labels?.[0]?.textContent ?? input.getAttribute('aria-label') ?? input.name;
        return { label, type: input.type, value: checkable ? (input.checked ? 'checked' : '') : input.value };
      }),
  );

const label = (itemId: string) => vitalsLabel(protocol, itemId);

it('shows no clinical value on any form of the schedule or on the dosing page until one is saved', async () => {
  const coordinatorApi = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  // Screened only: nothing saved on any form.
  const screened = await expectApiCall(
    server.url,
    coordinatorApi,
    'POST',
    '/participants',
    { siteId: SITE, screeningDate: siteDate(new Date(), ZONE) },
    201,
  );
  const page = await signInPage(browser, server.url, COORDINATOR, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/no-invented-values-failure.png`, fullPage: true });
  });

  const slots = formSlots(protocol);
  let checked = 0;
  for (const slot of slots) {
    const visit = protocol.schedule.visits.find((entry) => entry.id === slot.visitId);
    const instance = slot.instances === 'per-day' ? (visit?.day ?? 1) : 1;
    const path = `/participants/${screened.participantId}/forms/${slot.formId}?visit=${encodeURIComponent(slot.visitKey)}&instance=${instance}`;
    await page.goto(`${server.url}${path}`);
    const form = page.locator('form[aria-label]');
    await expect.poll(() => form.count(), TIMEOUT).toBe(1);
    const inputs = await inputsOf(form);
    expect(inputs.length, `${slot.visitKey} ${slot.formId} has inputs`).toBeGreaterThan(0);
    const filled = inputs.filter((input) => input.value !== '');
    expect(filled, `${slot.visitKey} ${slot.formId}`).toEqual([]);
    checked += inputs.length;
  }
  console.log(`form pages: ${slots.length} forms, ${checked} inputs, every one empty`);

  // An enrolled participant with nothing saved on dose day 1: every box of the dosing page is empty.
  const { participantId } = await enrolThroughApi(server.url);
  enrolledId = participantId;
  const dosingUrl = `${server.url}/safety/dosing?participant=${participantId}&visit=day-1`;
  await page.goto(dosingUrl);
  const cards = ['day-1/pre-dose', 'day-1/post-30', 'day-1/post-120'].map((key) =>
    page.getByTestId(`vitals-${key}`),
  );
  const doseForm = page.getByTestId('dose-form');
  await expect.poll(() => doseForm.count(), TIMEOUT).toBe(1);
  for (const card of cards) {
    await expect.poll(() => card.getByLabel(labelled(label('spo2'))).count(), TIMEOUT).toBe(1);
  }
  for (const root of [...cards, doseForm]) {
    const inputs = await inputsOf(root);
    expect(inputs.length).toBeGreaterThan(5);
    expect(inputs.filter((input) => input.value !== '')).toEqual([]);
  }

  // Typed values are saved and shown again after a reload.
  const preDose = cards[0] as Locator;
  const typed = sampleVitals(`${siteDate(new Date(), ZONE)}T07:40`);
  for (const [itemId, value] of Object.entries(typed)) {
    if (itemId === 'atRest') {
      await preDose
        .getByRole('radiogroup', { name: label(itemId) })
        .getByLabel('Yes')
        .check();
    } else if (itemId === 'oxygenSupport') {
      await preDose.getByLabel(labelled(label(itemId))).selectOption(String(value));
    } else {
      await preDose.getByLabel(labelled(label(itemId))).fill(String(value));
    }
  }
  await preDose.getByRole('button', { name: 'Save vital signs' }).click();
  await expect.poll(() => preDose.getByText('Saved.').count(), TIMEOUT).toBe(1);
  await page.reload();
  await expect.poll(() => preDose.getByLabel(labelled(label('spo2'))).count(), TIMEOUT).toBe(1);
  for (const [itemId, value] of Object.entries(typed)) {
    if (itemId === 'atRest') {
      const yes = preDose.getByRole('radiogroup', { name: label(itemId) }).getByLabel('Yes');
      expect(await yes.isChecked()).toBe(true);
    } else {
      expect(await preDose.getByLabel(labelled(label(itemId))).inputValue(), itemId).toBe(String(value));
    }
  }

  // The next reading of the day offers the context items with a "copied from 07:40" mark, and saving
  // waits for someone to confirm them; the measurements are not copied.
  const post30 = cards[1] as Locator;
  await expect.poll(() => post30.getByTestId('copied-mark').count(), TIMEOUT).toBe(3);
  expect(await post30.getByTestId('copied-mark').first().textContent()).toBe('Copied from 07:40');
  expect(await post30.getByLabel(labelled(label('spo2'))).inputValue()).toBe('');
  expect(await post30.getByLabel(labelled(label('oxygenSupport'))).inputValue()).toBe('nasal-cannula');
  await post30.getByLabel(labelled(label('spo2'))).fill('94');
  const save = post30.getByRole('button', { name: 'Save vital signs' });
  expect(await save.isDisabled()).toBe(true);
  await post30.getByLabel('The values copied from the reading of 07:40 still hold').check();
  expect(await save.isDisabled()).toBe(false);
  await page.screenshot({ path: `${SHOTS}/dosing-no-invented-values.png`, fullPage: true });
  // Fifty-odd pages are opened one after the other: longer than one browser test's usual allowance.
}, 480_000);

it('lays the dosing page out on a 390 × 844 screen without horizontal scrolling, in English and Chinese', async () => {
  expect(enrolledId).not.toBe('');
  const page = await signInPage(browser, server.url, COORDINATOR, PASSWORD, { timeZone: ZONE });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/dosing-narrow-failure.png`, fullPage: true });
  });
  for (const language of ['en', 'zh'] as const) {
    await page.evaluate((chosen) => localStorage.setItem('exotrial.language', chosen), language);
    for (const [name, viewport] of [
      ['desktop', { width: 1400, height: 1000 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.goto(`${server.url}/safety/dosing?participant=${enrolledId}&visit=day-1`);
      const card = page.getByTestId('vitals-day-1/post-120');
      await expect.poll(() => card.locator('input').count(), TIMEOUT).toBeGreaterThan(5);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(
        language === 'zh' ? 'zh-CN' : 'en',
      );
      if (name === 'phone') {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `dosing page width on a phone (${language})`).toBeLessThanOrEqual(390);
      }
      await page.screenshot({ path: `${SHOTS}/dosing-${name}-${language}.png`, fullPage: true });
    }
  }
});
