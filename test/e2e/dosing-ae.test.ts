import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { sampleVitals } from '../../src/synth/sample-patient.ts';
import { apiSignIn, signInPage } from '../support/browser.ts';
import { dispenseThroughApi } from '../support/e2e-product.ts';
import {
  enrolThroughApi,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  SITE,
  siteLocal,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import { saveVitalsCard } from '../support/e2e-vitals.ts';
import type { ServerProcess } from '../support/server-process.ts';

const COORDINATOR = trialStaff.coordinator.email;
const INVESTIGATOR = trialStaff.investigator.email;
const PHARMACIST = trialStaff.pharmacist.email;
const OFFICER = trialStaff.safetyOfficer.email;
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let protocol: Protocol;

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  trial = await startTrialServer({
    name: 'dosing',
    staff: ['coordinator', 'investigator', 'pharmacist', 'safetyOfficer'],
  });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Signs in in the site's zone, as the ward's computers do. */
const signIn = (email: string): Promise<Page> =>
  signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });

/** Types a whole reading into a vitals card of the Dosing screen (the boxes start empty) and saves it. */
const saveVitals = (page: Page, visitKey: string, assessedAt: string, spo2: number) =>
  saveVitalsCard(page.getByTestId(`vitals-${visitKey}`), protocol, { ...sampleVitals(assessedAt), spo2 });

/** The dose's questions that nothing answers for the ward: how it went, volume, device, symptoms. */
async function answerDoseQuestions(page: Page) {
  const dose = page.getByTestId('dose-form');
  await dose.getByLabel(/^Administration/).selectOption('completed');
  await dose.getByLabel(/^Volume given/).fill('3');
  await dose.getByLabel(/^Vibrating-mesh nebulizer/).selectOption('vibrating-mesh');
  await dose.getByRole('radiogroup', { name: 'Bronchospasm' }).getByLabel('No').check();
  await dose.getByRole('radiogroup', { name: 'New cough' }).getByLabel('No').check();
}

it('records the day-1 dose from the scanned vial, flags SpO2 87% once beside its reading and records the adverse event from the flag', async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  const watched = loaded.protocol.safety.inhalationEvents;
  if (!watched) throw new Error('the default protocol declares no inhalation events');
  const { spo2DropPoints, spo2BelowPercent } = watched;
  const { participantId } = await enrolThroughApi(server.url);
  const vialCode = await dispenseThroughApi(server.url, await apiSignIn(server.url, PHARMACIST, PASSWORD), {
    siteId: SITE,
    participantId,
    visitId: 'day-1',
    password: PASSWORD,
  });
  // Dispensing thawed the vial now, so the dose starts now (the exposure form refuses a dose started
  // before its vial was thawed); the vitals are 10 minutes before and 30 after, as the ward records them.
  const start = Math.floor(Date.now() / MINUTE) * MINUTE;

  // The investigator at the bedside: the one who may also assess whether a serious event was expected.
  const page = await signIn(INVESTIGATOR);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/dosing-ae-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/safety/dosing`);
  await page.getByLabel('Participant').first().click();
  await page.getByRole('option').first().click();
  await page.getByTestId('open-day-1').click();
  await expect.poll(() => page.getByTestId('dose-form').count(), TIMEOUT).toBe(1);

  // Pre-dose vitals, then the dose with the vial scanned (typed), then post-dose vitals with SpO2 87%: a
  // fall from the baseline and a value below the threshold, two flags of one reading.
  const baseline = 96;
  const fallen = 87;
  expect(baseline - fallen).toBeGreaterThanOrEqual(spo2DropPoints);
  expect(fallen).toBeLessThan(spo2BelowPercent);
  await saveVitals(page, 'day-1/pre-dose', siteLocal(new Date(start - 10 * MINUTE)), baseline);
  const dose = page.getByTestId('dose-form');
  await dose.getByLabel('Vial (scan the code)').fill(vialCode);
  await dose.getByLabel('Started').fill(siteLocal(new Date(start)));
  await dose.getByLabel('Ended').fill(siteLocal(new Date(start + 15 * MINUTE)));
  await answerDoseQuestions(page);
  await dose.getByRole('button', { name: 'Record the dose' }).click();
  await expect.poll(() => page.getByText(`Dose recorded from vial ${vialCode}.`).count(), TIMEOUT).toBe(1);
  await saveVitals(page, 'day-1/post-30', siteLocal(new Date(start + 30 * MINUTE)), fallen);

  // The flags of the 30-minute reading, once, in that reading's card; nowhere else on the page.
  const reading = page.getByTestId('vitals-day-1/post-30');
  const flag = reading.getByTestId('inhalation-flag');
  await expect.poll(() => flag.count(), TIMEOUT).toBe(1);
  expect(await page.getByTestId('inhalation-flag').count()).toBe(1);
  const flagText = (await flag.textContent()) ?? '';
  expect(flagText).toContain(`SpO2 fell from ${baseline}% to ${fallen}%`);
  expect(flagText).toContain(`SpO2 ${fallen}% is below ${spo2BelowPercent}%`);
  await page.screenshot({ path: `${SHOTS}/bedside-flag.png`, fullPage: true });

  // "Record an adverse event" opens the form filled from the flag, with no clinical answer chosen.
  await flag.getByRole('button', { name: 'Record an adverse event' }).click();
  const form = flag.getByTestId('ae-form');
  const term = form.getByLabel(/^Adverse event \(diagnosis or sign\)/);
  expect(await term.inputValue()).toBe('Hypoxia');
  expect(await form.getByLabel('Inhalation-associated (prespecified)').isChecked()).toBe(true);
  expect(await form.getByLabel('Onset').inputValue()).toBe(siteLocal(new Date(start + 30 * MINUTE)));
  expect(await form.getByLabel('CTCAE grade').inputValue()).toBe('');
  for (const answer of await form.getByTestId('ae-serious').getByRole('radio').all()) {
    expect(await answer.isChecked()).toBe(false);
  }
  expect(await form.getByTestId('ae-expected').count()).toBe(0);
  expect(await form.getByLabel('Outcome').inputValue()).toBe('');

  // Saving without the answers is refused in the form, with a message naming them; nothing is stored.
  await form.getByRole('button', { name: 'Record adverse event' }).click();
  const refusal = form.getByTestId('ae-unanswered');
  await expect.poll(() => refusal.count(), TIMEOUT).toBe(1);
  expect(await refusal.textContent()).toBe('Answer these before saving: CTCAE grade, Serious, Outcome.');
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const none = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/adverse-events?participantId=${participantId}`,
    undefined,
    200,
  );
  expect(none.total).toBe(0);

  // Serious asks whether it was expected, and that too must be answered.
  await form.getByTestId('ae-serious').getByLabel('Yes').check();
  await form.getByRole('button', { name: 'Record adverse event' }).click();
  await expect
    .poll(() => refusal.textContent(), TIMEOUT)
    .toBe(
      'Answer these before saving: CTCAE grade, Expected (listed in the investigator’s brochure), Outcome.',
    );

  // The reading was placed 30 minutes ahead of the clock and an onset cannot be in the future, so the
  // investigator enters the time it was noticed; then answers every question.
  await form.getByLabel('Onset').fill(siteLocal(new Date()));
  await form.getByLabel('CTCAE grade').fill('3');
  await form.getByTestId('ae-expected').getByLabel('No').check();
  await form.getByLabel('Requires or prolongs hospitalisation').check();
  await form.getByLabel('Outcome').click();
  await page.getByRole('option', { name: 'Not recovered/not resolved' }).click();
  await form.getByRole('button', { name: 'Record adverse event' }).click();
  const recorded = form.getByTestId('ae-recorded');
  await expect.poll(() => recorded.count(), TIMEOUT).toBe(1);
  expect(await recorded.textContent()).toBe('Adverse event 1 (Hypoxia) was recorded: open its page.');
  // The flag now links to the event recorded from its dose.
  const linked = flag.getByTestId('flag-events').getByRole('link');
  await expect.poll(() => linked.textContent(), TIMEOUT).toBe('Recorded from this dose: AE 1 (Hypoxia)');
  await page.screenshot({ path: `${SHOTS}/dosing-flag-ae.png`, fullPage: true });

  // The confirmation opens the event's page, where the first report offered is the site's 24-hour report
  // to the sponsor.
  await recorded.getByRole('link').click();
  const detail = page.getByTestId('ae-detail');
  await expect.poll(() => detail.count(), TIMEOUT).toBe(1);
  const sponsorClock = protocol.safety.clocks.find((clock) => clock.id === 'sae-to-sponsor');
  const submission = detail.getByTestId('submission-form');
  await expect.poll(() => submission.count(), TIMEOUT).toBe(1);
  // Recording a submission is an e-signature: its fields are in the signature dialog.
  await submission.getByRole('button', { name: 'Record the submission' }).click();
  const signing = page.getByRole('dialog');
  expect(await signing.getByLabel('Report sent under').inputValue()).toBe(
    `${sponsorClock?.name.en} (initial)`,
  );
  await signing.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(() => page.getByRole('dialog').count(), TIMEOUT).toBe(0);

  // The Safety page lists it.
  await page.goto(`${server.url}/safety`);
  await page.getByRole('tab', { name: 'Adverse events' }).click();
  await expect.poll(() => page.getByTestId('ae-row').count(), TIMEOUT).toBe(1);
  const row = (await page.getByTestId('ae-row').textContent()) ?? '';
  expect(row).toContain('Hypoxia');
  expect(row).toContain('Grade 3');

  // The record behind the screen: the dose links the event, which is serious and not expected.
  const schedule = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/participants/${participantId}/doses`,
    undefined,
    200,
  );
  const administration = schedule.doses[0].administration;
  expect(administration).toMatchObject({ vialNumber: vialCode, status: 'completed' });
  expect(administration.flags.map((entry: { kind: string }) => entry.kind)).toEqual([
    'spo2-drop',
    'spo2-low',
  ]);
  expect(administration.adverseEventIds).toHaveLength(1);
  const event = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/adverse-events/${administration.adverseEventIds[0]}`,
    undefined,
    200,
  );
  expect(event.entries).toMatchObject({
    grade: { value: 3 },
    serious: { value: true },
    expected: { value: false },
    outcome: { value: 'not-recovered' },
    inhalationAssociated: { value: true },
  });

  // In Chinese: the same flag, once, in its reading's card, with the button and the link to the event.
  await page.goto(`${server.url}/safety/dosing?participant=${participantId}&visit=day-1`);
  await page.getByText('简体中文').click();
  const zhFlag = page.getByTestId('vitals-day-1/post-30').getByTestId('inhalation-flag');
  await expect.poll(() => zhFlag.count(), TIMEOUT).toBe(1);
  expect(await page.getByTestId('inhalation-flag').count()).toBe(1);
  expect(await zhFlag.textContent()).toContain(`SpO2 由 ${baseline}% 降至 ${fallen}%`);
  expect(await zhFlag.getByRole('button', { name: '记录不良事件' }).count()).toBe(1);
  await expect
    .poll(() => zhFlag.getByTestId('flag-events').getByRole('link').textContent(), TIMEOUT)
    .toBe('已根据本次给药记录：不良事件 1（Hypoxia）');
  await page.screenshot({ path: `${SHOTS}/bedside-flag-zh.png`, fullPage: true });
});

it('lets the safety officer pause and resume dosing from the Safety page, in Chinese', async () => {
  const page = await signIn(OFFICER);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/dosing-pause-failure.png`, fullPage: true });
  });
  await page.getByText('简体中文').click();
  await page.goto(`${server.url}/safety`);
  const controls = page.getByTestId('pause-controls');
  await expect.poll(() => controls.count(), TIMEOUT).toBe(1);
  await controls.getByLabel('暂停依据（记入稽查轨迹）').fill('Cluster of bronchospasm at one site');
  await controls.getByRole('button', { name: '全研究暂停给药' }).click();
  await expect.poll(() => page.getByTestId('dosing-paused').textContent(), TIMEOUT).toContain('bronchospasm');
  // The pause reaches the Dosing screen's data, for every participant.
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const participants = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    '/participants?limit=5',
    undefined,
    200,
  );
  const schedule = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/participants/${participants.items[0].participantId}/doses`,
    undefined,
    200,
  );
  expect(schedule.dosingPaused).toContain('Cluster of bronchospasm');
  await page.screenshot({ path: `${SHOTS}/safety-pause-zh.png`, fullPage: true });
  const open = page.getByTestId('open-pause');
  await open.getByLabel('恢复给药的决定依据（记入稽查轨迹）').fill('Device fault found and fixed');
  await open.getByRole('button', { name: '恢复给药' }).click();
  await expect.poll(() => page.getByTestId('dosing-paused').count(), TIMEOUT).toBe(0);
  await expect.poll(() => page.getByTestId('open-pause').count(), TIMEOUT).toBe(0);
  const after = await expectApiCall(
    server.url,
    coordinator,
    'GET',
    `/participants/${participants.items[0].participantId}/doses`,
    undefined,
    200,
  );
  expect(after.dosingPaused).toBeNull();
});
