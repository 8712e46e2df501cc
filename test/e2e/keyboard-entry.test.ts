import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { zh } from '../../web/src/i18n/zh.ts';
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
import { CountingKeyboard, dateTimeLayout, siteNow } from '../support/keyboard.ts';
import type { ServerProcess } from '../support/server-process.ts';

// A form entered by keyboard alone: focus starts on the first empty field, Enter moves on and at the end
// saves, number keys answer choices, the missing-data code is out of the Tab order but one shortcut away,
// and leaving with unsaved changes asks first. The walks count every key they send and print the count.

const COORDINATOR = trialStaff.coordinator.email;
const TIMEOUT = { timeout: 15_000 };
const tables = { en, zh } as const;
type Language = keyof typeof tables;

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({ name: 'keys', staff: ['coordinator', 'investigator'] });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Where focus is: the item of the form it is in, and which part of the item (answer, missing code, reason). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    return {
      item: active?.closest('[data-entry-item]')?.getAttribute('data-entry-item') ?? null,
      part: active?.closest('[data-entry]')?.getAttribute('data-entry') ?? null,
      tag: active?.tagName.toLowerCase() ?? null,
      type: active?.getAttribute('type') ?? null,
      name: active?.getAttribute('aria-label') ?? active?.textContent?.trim() ?? null,
    };
  });

const formPage = (participantId: string, formId: string, visitKey: string) =>
  `${server.url}/participants/${participantId}/forms/${formId}?visit=${encodeURIComponent(visitKey)}&instance=1`;

async function openAs(language: Language): Promise<Page> {
  const page = await signInPage(browser, server.url, COORDINATOR, PASSWORD, { timeZone: ZONE });
  await page.evaluate((chosen) => localStorage.setItem('exotrial.language', chosen), language);
  return page;
}

for (const language of ['en', 'zh'] as const) {
  it(`enters the pre-dose vital signs by keyboard alone (${language})`, async () => {
    const t = tables[language];
    const { participantId } = await enrolThroughApi(server.url);
    const page = await openAs(language);
    onTestFailed(async () => {
      await page.screenshot({ path: `${SHOTS}/keyboard-entry-${language}-failure.png`, fullPage: true });
    });
    const layout = await dateTimeLayout(page);
    await page.goto(formPage(participantId, 'vitals', 'day-1/pre-dose'));
    await expect.poll(() => focused(page), TIMEOUT).toMatchObject({ item: 'assessedAt', part: 'field' });
    expect(await page.getByTestId('keyboard-help').textContent()).toBe(t.crf.keyboardHelp);

    const keys = new CountingKeyboard(page);
    const now = siteNow(ZONE);
    const enter = async (itemId: string, text: string) => {
      expect(await focused(page), `focus before ${itemId}`).toMatchObject({ item: itemId, part: 'field' });
      await keys.type(text);
      await keys.press('Enter');
    };
    await enter('assessedAt', layout(now.parts));
    await enter('temperature', '37.4');
    await enter('heartRate', '88');
    await enter('respiratoryRate', '20');
    await enter('systolicBp', '124');
    await enter('diastolicBp', '76');
    await enter('spo2', '95');
    await enter('atRest', language === 'en' ? 'y' : '1');
    // The second option, nasal cannula; the skip logic then shows the oxygen flow.
    await enter('oxygenSupport', '2');
    await enter('oxygenFlow', '3');
    // Enter after the last field reaches Save, and Enter there saves.
    expect(await focused(page)).toMatchObject({ tag: 'button', name: t.common.save });
    await keys.press('Enter');
    await expect.poll(() => page.getByTestId('save-status').textContent(), TIMEOUT).toBe(t.crf.saved);
    console.log(`keyboard entry (${language}): vital signs, 10 fields, ${keys.count} keystrokes, 0 Tabs`);
    await page.screenshot({ path: `${SHOTS}/keyboard-entry-vitals-${language}.png`, fullPage: true });

    const api = await apiSignIn(server.url, COORDINATOR, PASSWORD);
    const record = await expectApiCall(
      server.url,
      api,
      'GET',
      `/participants/${participantId}/visits/${encodeURIComponent('day-1/pre-dose')}/forms/vitals?instance=1`,
      undefined,
      200,
    );
    const values = Object.fromEntries(
      Object.entries(record.entries as Record<string, { value: unknown }>).map(([item, entry]) => [
        item,
        entry.value,
      ]),
    );
    expect({ ...values, assessedAt: String(values.assessedAt).slice(0, 16) }).toEqual({
      assessedAt: now.iso,
      temperature: 37.4,
      heartRate: 88,
      respiratoryRate: 20,
      systolicBp: 124,
      diastolicBp: 76,
      spo2: 95,
      atRest: true,
      oxygenSupport: 'nasal-cannula',
      oxygenFlow: 3,
    });
  });
}

it('keeps the missing-data code out of the Tab order, one shortcut away, and asks before unsaved changes are lost', async () => {
  const { participantId } = await enrolThroughApi(server.url);
  const page = await openAs('en');
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/keyboard-missing-failure.png`, fullPage: true });
  });
  const url = formPage(participantId, 'vitals', 'day-1/post-30');
  await page.goto(url);
  await expect.poll(() => focused(page), TIMEOUT).toMatchObject({ item: 'assessedAt', part: 'field' });

  // Tab walks answer to answer (the date-time box takes a Tab per part): no missing-data code on the way.
  const stops: Array<Awaited<ReturnType<typeof focused>>> = [];
  for (let tab = 0; tab < 20; tab += 1) {
    await page.keyboard.press('Tab');
    stops.push(await focused(page));
  }
  expect(stops.filter((stop) => stop.part === 'missing')).toEqual([]);
  const visited = stops.map((stop) => stop.item).filter((item, index, all) => item !== all[index - 1]);
  expect(visited.slice(visited.indexOf('temperature'), visited.indexOf(null))).toEqual([
    'temperature',
    'heartRate',
    'respiratoryRate',
    'systolicBp',
    'diastolicBp',
    'spo2',
    'atRest',
    'oxygenSupport',
  ]);
  const names = await page.evaluate(() =>
    [...document.querySelectorAll('form input, form select, form textarea, form button')].map((element) => {
      const labelled = element.getAttribute('aria-label') ?? element.getAttribute('aria-labelledby');
      const label = element.id ? document.querySelector(`label[for="${CSS.escape(element.id)}"]`) : null;
      return {
        id: element.id,
        named: Boolean(labelled || label?.textContent?.trim() || element.textContent?.trim()),
      };
    }),
  );
  expect(names.filter((entry) => !entry.named)).toEqual([]);

  // Alt+M on a field opens its missing-data code; 1 chooses "Not done"; Enter goes on to the reason.
  await page.reload();
  await expect.poll(() => focused(page), TIMEOUT).toMatchObject({ item: 'assessedAt', part: 'field' });
  for (let field = 0; field < 6; field += 1) await page.keyboard.press('Enter');
  expect(await focused(page)).toMatchObject({ item: 'spo2', part: 'field' });
  expect(await page.locator('[data-item="spo2"]').getAttribute('aria-keyshortcuts')).toBe('Alt+M');
  await page.keyboard.press('Alt+M');
  expect(await focused(page)).toMatchObject({
    item: 'spo2',
    part: 'missing',
    name: 'Missing-data code for Oxygen saturation (SpO2)',
  });
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  expect(await focused(page)).toMatchObject({ item: 'spo2', part: 'reason' });
  expect(await page.locator('[data-item="spo2"]').isDisabled()).toBe(true);
  // From the reason, Alt+M goes back to the code; 0 takes it away and the answer box opens again.
  await page.keyboard.press('Alt+M');
  expect(await focused(page)).toMatchObject({ item: 'spo2', part: 'missing' });
  await page.keyboard.press('0');
  expect(await page.locator('[data-item="spo2"]').isDisabled()).toBe(false);
  await page.keyboard.press('Alt+M');
  expect(await focused(page)).toMatchObject({ item: 'spo2', part: 'field' });
  await page.keyboard.press('Alt+M');
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Probe would not read');

  // Leaving in the app asks; "Keep editing" stays with everything typed.
  await page.getByRole('link', { name: 'Participants' }).first().click();
  const dialog = page.getByRole('dialog', { name: en.crf.unsaved.title });
  await expect.poll(() => dialog.count(), TIMEOUT).toBe(1);
  expect(await dialog.textContent()).toContain('1 changed field(s)');
  await dialog.getByRole('button', { name: en.crf.unsaved.stay }).click();
  await expect.poll(() => dialog.count(), TIMEOUT).toBe(0);
  expect(page.url()).toBe(url);
  expect(await page.getByLabel('Why is “Oxygen saturation (SpO2)” missing?').inputValue()).toBe(
    'Probe would not read',
  );
  expect(await page.getByLabel('Missing-data code for Oxygen saturation (SpO2)').inputValue()).toBe(
    'not_done',
  );

  // Closing the tab asks the browser's question; dismissing it keeps the page.
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (question) => {
      resolve(question.type());
      void question.dismiss();
    }),
  );
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe('beforeunload');
  expect(page.isClosed()).toBe(false);

  // Leaving by choice discards; the next form opens without asking.
  await page.getByRole('link', { name: 'Participants' }).first().click();
  await dialog.getByRole('button', { name: en.crf.unsaved.leave }).click();
  await expect.poll(() => new URL(page.url()).pathname, TIMEOUT).toBe('/participants');
});

it('opens the eligibility checklist from the eligibility panel on its first question, answered by keyboard', async () => {
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const screeningDate = siteDate(new Date(), ZONE);
  const { participantId } = await expectApiCall(
    server.url,
    coordinator,
    'POST',
    '/participants',
    { siteId: SITE, screeningDate },
    201,
  );
  await expectApiCall(
    server.url,
    coordinator,
    'POST',
    `/participants/${participantId}/consent`,
    { formVersion: '1.0', consentedAt: new Date().toISOString(), signer: 'participant' },
    201,
  );
  const page = await openAs('zh');
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/keyboard-checklist-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/participants/${participantId}`);
  await page
    .getByTestId('eligibility-panel')
    .getByRole('link', { name: zh.eligibility.openChecklist })
    .click();
  await expect
    .poll(() => focused(page), TIMEOUT)
    .toMatchObject({ item: 'pneumoniaConfirmed', part: 'field' });

  // Tabs from the first question to the first control after the last one.
  const stops: Array<Awaited<ReturnType<typeof focused>>> = [];
  while (stops.at(-1)?.item !== null && stops.length < 100) {
    await page.keyboard.press('Tab');
    stops.push(await focused(page));
  }
  console.log(
    `keyboard entry (zh): eligibility checklist, ${stops.length} Tabs from the first question past the last`,
  );
  expect(stops.filter((stop) => stop.part !== 'field' && stop.item !== null)).toEqual([]);
  // One stop per question; Chromium also stops on the second answer of the unanswered question that
  // focus was put on when the form opened (Tab reaches every other question once).
  expect(stops.length).toBeLessThanOrEqual(16);
  expect(stops.map((stop) => stop.item).filter((item, index, all) => item !== all[index - 1])).toEqual([
    'pneumoniaConfirmed',
    'mechanicalVentilationForRespiratoryFailure',
    'shock',
    'organFailureNeedingIcu',
    'productAllergy',
    'otherPathogenPneumonia',
    'obstructivePneumonia',
    'carcinoidSyndrome',
    'longTermImmunosuppressants',
    'epilepsyContinuousAnticonvulsants',
    'anticonvulsantsLast3Years',
    'longTermOxygenTherapy',
    'dialysis',
    'valproicAcidExpected',
    'otherInterventionalTrial',
    null,
  ]);

  // Answered by keyboard: yes to the first question, no to the fourteen others (Enter between), Enter saves.
  await page.reload();
  await expect
    .poll(() => focused(page), TIMEOUT)
    .toMatchObject({ item: 'pneumoniaConfirmed', part: 'field' });
  const keys = new CountingKeyboard(page);
  for (let question = 0; question < 15; question += 1) {
    await keys.press(question === 0 ? '1' : '2');
    await keys.press('Enter');
  }
  expect(await focused(page)).toMatchObject({ tag: 'button', name: zh.common.save });
  await keys.press('Enter');
  await expect.poll(() => page.getByTestId('save-status').textContent(), TIMEOUT).toBe(zh.crf.saved);
  console.log(`keyboard entry (zh): eligibility checklist, 15 questions, ${keys.count} keystrokes`);
  const record = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/participants/${participantId}/visits/screening/forms/screening?instance=1`,
    undefined,
    200,
  );
  const answers = Object.values(record.entries as Record<string, { value: unknown }>).map(
    (entry) => entry.value,
  );
  expect(answers).toHaveLength(15);
  expect(answers.filter((value) => value === true)).toHaveLength(1);
  expect(record.entries.pneumoniaConfirmed.value).toBe(true);
});
