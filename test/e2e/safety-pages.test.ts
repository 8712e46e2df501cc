import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  enrolThroughApi,
  entries,
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  SHOTS,
  siteLocal,
  startTrialServer,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

const COORDINATOR = trialStaff.coordinator.email;
const INVESTIGATOR = trialStaff.investigator.email;
const OFFICER = trialStaff.safetyOfficer.email;
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({ name: 'safety', staff: ['coordinator', 'investigator', 'safetyOfficer'] });
  ({ server, browser } = trial);
});

afterAll(async () => trial?.close());

/** Signs in in the site's zone, as the ward's computers do. */
const signIn = (email: string): Promise<Page> =>
  signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });

it('edits an SAE with a reason, sees its clocks on the timeline and records the submission that meets one', async () => {
  const { participantId } = await enrolThroughApi(server.url);
  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
  const awareAt = siteLocal(new Date(Date.now() - 2 * 60 * MINUTE));
  // A serious, unexpected, possibly related event: a SUSAR, with the site's 24-hour clock and the
  // sponsor's 15-day clock to the regulator.
  const saved = await expectApiCall(
    server.url,
    investigator,
    'POST',
    `/participants/${participantId}/adverse-events`,
    {
      entries: entries({
        term: 'Pneumonia',
        onsetAt: siteLocal(new Date(Date.now() - 3 * 60 * MINUTE)),
        ongoing: true,
        grade: 3,
        serious: true,
        seriousnessCriteria: ['hospitalisation'],
        awareAt,
        causality: 'possible',
        expected: false,
        inhalationAssociated: false,
        actionTaken: 'none',
        outcome: 'not-recovered',
      }),
    },
    201,
  );
  expect(saved.summary).toMatchObject({ serious: true, susar: true });
  expect(saved.clocks.map((clock: { clockId: string }) => clock.clockId)).toEqual([
    'sae-to-sponsor',
    'susar-other',
  ]);

  const page = await signIn(INVESTIGATOR);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/safety-pages-failure.png`, fullPage: true });
  });
  await page.goto(`${server.url}/safety?tab=events&serious=true`);
  await expect.poll(() => page.getByTestId('ae-row').count(), TIMEOUT).toBe(1);
  await page.getByTestId('ae-row').getByRole('button', { name: 'Open' }).click();
  const detail = page.getByTestId('ae-detail');
  await expect.poll(() => detail.count(), TIMEOUT).toBe(1);

  // The timeline: both clocks due, none submitted.
  const siteClock = detail.getByTestId('clock-sae-to-sponsor-initial');
  const regulatorClock = detail.getByTestId('clock-susar-other-initial');
  await expect.poll(() => siteClock.getByTestId('clock-status').textContent(), TIMEOUT).toBe('Due');
  expect(await regulatorClock.getByTestId('clock-status').textContent()).toBe('Due');
  expect(await siteClock.textContent()).toContain('left');

  // Change the term: a saved value needs a reason, and the API's message says so.
  await detail.getByTestId('ae-edit').click();
  const form = detail.getByTestId('ae-form');
  const term = form.getByLabel(/^Adverse event \(diagnosis or sign\)/);
  expect(await term.inputValue()).toBe('Pneumonia');
  await term.fill('Pneumonia, worsening');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect.poll(() => form.getByText(/reason: Give a reason for changing term/).count(), TIMEOUT).toBe(1);

  // Meanwhile a coordinator codes the term: the form's version is now stale, and it says so.
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  await expectApiCall(
    server.url,
    coordinator,
    'PUT',
    `/adverse-events/${saved.aeId}`,
    { version: 1, termCode: '10035664' },
    200,
  );
  await form.getByLabel('Reason for the change').fill('Chest CT on day 2 shows progression');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect.poll(() => form.getByTestId('ae-stale').count(), TIMEOUT).toBe(1);
  expect(await form.getByTestId('ae-stale').textContent()).toContain('version 2');
  await form.getByRole('button', { name: 'Load the current version' }).click();
  expect(await form.getByLabel('Term code (MedDRA-style)').inputValue()).toBe('10035664');
  await term.fill('Pneumonia, worsening');
  await form.getByLabel('Reason for the change').fill('Chest CT on day 2 shows progression');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect.poll(() => detail.getByText('Version 3').count(), TIMEOUT).toBe(1);

  // The history shows the change with its reason.
  const history = detail.getByTestId('ae-history');
  await expect.poll(() => history.getByText('Chest CT on day 2 shows progression').count(), TIMEOUT).toBe(1);
  expect(await history.textContent()).toContain('Pneumonia, worsening');

  // Record the site's report to the sponsor, an e-signature: a wrong password is refused and nothing
  // is recorded; then a time before awareness (the API refuses, its message shows), then the real one,
  // an hour ago; the clock is then met and the submission shows who signed it and what it meant.
  const submission = detail.getByTestId('submission-form');
  await submission.getByRole('button', { name: 'Record the submission' }).click();
  const dialog = page.getByRole('dialog');
  // The report due first is the one offered first: the site's 24-hour report to the sponsor.
  expect(await dialog.getByLabel('Report sent under').inputValue()).toBe(
    'Serious adverse event reported to the sponsor (initial)',
  );
  expect(await dialog.getByTestId('submission-meaning').textContent()).toContain(
    'I confirm that this report was submitted to the named recipient at the time given.',
  );
  await dialog.getByLabel('Sent at').fill(siteLocal(new Date(Date.now() - 60 * MINUTE)));
  await dialog.getByLabel('Recipient’s reference').fill('SPONSOR-SAE-0001');
  await dialog.getByLabel('Your password').fill('not the password');
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect
    .poll(() => dialog.getByTestId('submission-error').textContent(), TIMEOUT)
    .toContain('password is not correct');
  expect(await siteClock.getByTestId('clock-status').textContent()).toBe('Due');
  await dialog.getByLabel('Sent at').fill(siteLocal(new Date(Date.now() - 5 * 60 * MINUTE)));
  await dialog.getByLabel('Your password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect
    .poll(() => dialog.getByTestId('submission-error').textContent(), TIMEOUT)
    .toContain('before the site became aware');
  await dialog.getByLabel('Sent at').fill(siteLocal(new Date(Date.now() - 60 * MINUTE)));
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect
    .poll(() => siteClock.getByTestId('clock-status').textContent(), TIMEOUT)
    .toBe('Reported in time');
  await expect.poll(() => dialog.count(), TIMEOUT).toBe(0);
  expect(await siteClock.getByTestId('submission').textContent()).toContain('SPONSOR-SAE-0001');
  const signed = await siteClock.getByTestId('submission-signature').textContent();
  expect(signed).toMatch(/^Signed by \S.*, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\+8:/);
  expect(signed).toContain(
    'I confirm that this report was submitted to the named recipient at the time given.',
  );
  // The regulator's clock is the sponsor's to meet: still due, and now counted from the sponsor's receipt.
  expect(await regulatorClock.getByTestId('clock-status').textContent()).toBe('Due');
  expect(await regulatorClock.textContent()).toContain('From the sponsor’s receipt of the site’s report');
  await page.screenshot({ path: `${SHOTS}/safety-sae-timeline.png`, fullPage: true });

  // The record behind the screen.
  const event = await expectApiCall(
    server.url,
    investigator,
    'GET',
    `/adverse-events/${saved.aeId}`,
    undefined,
    200,
  );
  expect(event).toMatchObject({
    version: 3,
    termCode: '10035664',
    summary: { term: 'Pneumonia, worsening' },
  });
  expect(event.submissions).toMatchObject([
    {
      clockId: 'sae-to-sponsor',
      kind: 'initial',
      reference: 'SPONSOR-SAE-0001',
      signerName: expect.any(String),
      signatureMeaning: 'I confirm that this report was submitted to the named recipient at the time given.',
    },
  ]);
  expect(event.clocks.find((clock: { clockId: string }) => clock.clockId === 'sae-to-sponsor').status).toBe(
    'met',
  );
});

it('shows the stopping rules with why they have or have not tripped, in Chinese', async () => {
  const page = await signIn(OFFICER);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/safety-rules-failure.png`, fullPage: true });
  });
  await page.getByText('简体中文').click();
  await page.goto(`${server.url}/safety`);
  const rate = page.getByTestId('rule-related-serious-rate');
  await expect.poll(() => rate.count(), TIMEOUT).toBe(1);
  // No dose given yet: the safety population is empty, so the monitor cannot trip.
  expect(await rate.textContent()).toContain('尚不能触发');
  expect(await rate.textContent()).toContain('至少 1 例事件');
});
