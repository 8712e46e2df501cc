import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { apiAddAccount, apiSignIn, launchBrowser, signInPage } from '../support/browser.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

const ADMIN = { email: 'admin@example.org', password: 'a strong root secret' };
const PASSWORD = 'site staff password e2e';
const COORDINATOR = 'coordinator@example.org';
const INVESTIGATOR = 'investigator@example.org';
const OFFICER = 'safety@example.org';
const SITE = 'ruijin';
const ZONE = 'Asia/Shanghai';
const SHOTS = 'test-results';
const TIMEOUT = { timeout: 15_000 };
const MINUTE = 60_000;

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-safety-'));
let server: ServerProcess;
let browser: Browser;

type Headers = Record<string, string>;

async function call(headers: Headers, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

/** Calls the API and expects the given status; the parsed body. */
async function expectCall(headers: Headers, method: string, path: string, body: unknown, status: number) {
  const response = await call(headers, method, path, body);
  expect(response.status, `${method} ${path}: ${response.text}`).toBe(status);
  return response.json();
}

/** Wall-clock text at the site (YYYY-MM-DDTHH:MM) for an instant. */
function siteLocal(at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((entry) => entry.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}`;
}

const entries = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

/** Screens, consents, confirms and enrols a participant through the API with day 1 today at the site. */
async function enrolParticipant(day1: string, assessedAt: string): Promise<string> {
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const { participantId } = await expectCall(
    coordinator,
    'POST',
    '/participants',
    { siteId: SITE, screeningDate: day1 },
    201,
  );
  await expectCall(
    coordinator,
    'POST',
    `/participants/${participantId}/consent`,
    {
      formVersion: '1.0',
      consentedAt: new Date(Date.now() - 3 * 60 * MINUTE).toISOString(),
      signer: 'participant',
    },
    201,
  );
  for (const [formId, values] of Object.entries(eligibleScreeningForms(day1, assessedAt))) {
    await expectCall(
      coordinator,
      'PUT',
      `/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
      { version: 0, entries: entries(values) },
      200,
    );
  }
  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
  await expectCall(
    investigator,
    'POST',
    `/participants/${participantId}/eligibility/confirm`,
    { password: PASSWORD },
    200,
  );
  const detail = await expectCall(coordinator, 'GET', `/participants/${participantId}`, undefined, 200);
  await expectCall(
    coordinator,
    'POST',
    `/participants/${participantId}/enrol`,
    { day1Date: day1, version: detail.version },
    200,
  );
  return participantId;
}

beforeAll(async () => {
  const port = await freePort();
  server = await startServerProcess(['--port', String(port), '--data', dataDir], {
    EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
    EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    // Every account signs in once to replace its first password, and the tests sign in again from
    // several browsers within the minute that the sign-in rate limit counts.
    EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
  });
  const admin = await apiSignIn(server.url, ADMIN.email, ADMIN.password);
  for (const [email, name, role] of [
    [COORDINATOR, 'Chen Coordinator', 'study_coordinator'],
    [INVESTIGATOR, 'Ivy Investigator', 'investigator'],
    [OFFICER, 'Sam Safety', 'safety_officer'],
  ] as const) {
    const siteIds = role === 'safety_officer' ? [] : [SITE];
    // Each owner replaces the administrator's first password, as the server requires before anything else.
    await apiAddAccount(server.url, admin, { email, name, roles: [role], siteIds, password: PASSWORD });
  }
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Signs in in the site's zone, as the ward's computers do. */
const signIn = (email: string): Promise<Page> =>
  signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });

it('edits an SAE with a reason, sees its clocks on the timeline and records the submission that meets one', async () => {
  const day1 = siteLocal(new Date()).slice(0, 10);
  const participantId = await enrolParticipant(day1, new Date(Date.now() - 2 * 60 * MINUTE).toISOString());
  const investigator = await apiSignIn(server.url, INVESTIGATOR, PASSWORD);
  const awareAt = siteLocal(new Date(Date.now() - 2 * 60 * MINUTE));
  // A serious, unexpected, possibly related event: a SUSAR, with the site's 24-hour clock and the
  // sponsor's 15-day clock to the regulator.
  const saved = await expectCall(
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
  await expectCall(
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
  expect(signed).toMatch(/^Signed by \S.*, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC:/);
  expect(signed).toContain(
    'I confirm that this report was submitted to the named recipient at the time given.',
  );
  // The regulator's clock is the sponsor's to meet: still due, and now counted from the sponsor's receipt.
  expect(await regulatorClock.getByTestId('clock-status').textContent()).toBe('Due');
  expect(await regulatorClock.textContent()).toContain('From the sponsor’s receipt of the site’s report');
  await page.screenshot({ path: `${SHOTS}/safety-sae-timeline.png`, fullPage: true });

  // The record behind the screen.
  const event = await expectCall(investigator, 'GET', `/adverse-events/${saved.aeId}`, undefined, 200);
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
