import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { safetyClockKinds } from '../../src/notifications/notification-kinds.ts';
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
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';

const TIMEOUT = { timeout: 15_000 };
const HOUR = 3_600_000;

let sink: SmtpSink;
let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  sink = await startSmtpSink();
  trial = await startTrialServer({
    name: 'notifications',
    staff: ['coordinator', 'investigator', 'safetyOfficer'],
    env: { EXOTRIAL_SMTP_URL: sink.url },
  });
  ({ server, browser } = trial);
});

afterAll(async () => {
  await trial?.close();
  await sink?.close();
});

it('the investigator sees an SAE in the header’s unread count, opens it from the inbox, and reads the inbox and its choices in Chinese', async () => {
  const { participantId, studyNumber } = await enrolThroughApi(server.url);
  const coordinator = await apiSignIn(server.url, trialStaff.coordinator.email, PASSWORD);
  const saved = await expectApiCall(
    server.url,
    coordinator,
    'POST',
    `/participants/${participantId}/adverse-events`,
    {
      entries: entries({
        term: 'Pneumonia',
        onsetAt: siteLocal(new Date(Date.now() - 3 * HOUR)),
        ongoing: true,
        grade: 3,
        serious: true,
        seriousnessCriteria: ['hospitalisation'],
        awareAt: siteLocal(new Date(Date.now() - 2 * HOUR)),
        inhalationAssociated: false,
        actionTaken: 'none',
        outcome: 'recovering',
      }),
    },
    201,
  );
  const page: Page = await signInPage(browser, server.url, trialStaff.investigator.email, PASSWORD, {
    timeZone: ZONE,
  });
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/notifications-failed.png`, fullPage: true });
  });
  // The header shows the investigator's unread count as the server counts it: the SAE, and the
  // eligibility that waited for their signature at enrolment if that notice is still unread.
  const investigator = await apiSignIn(server.url, trialStaff.investigator.email, PASSWORD);
  const { unread } = await expectApiCall(
    server.url,
    investigator,
    'GET',
    '/notifications/unread-count',
    undefined,
    200,
  );
  expect(unread).toBeGreaterThanOrEqual(1);
  const bell = page.getByRole('link', { name: new RegExp(`^Notifications\\s*${unread}\\s*unread$`) });
  await expect.poll(() => bell.count(), TIMEOUT).toBe(1);
  await bell.click();
  const title = `Serious adverse event: ${studyNumber}`;
  const card = page.getByLabel(title);
  await expect.poll(() => card.count(), TIMEOUT).toBe(1);
  expect(await card.textContent()).toContain('The report to the sponsor is due by');
  expect(await card.getAttribute('data-unread')).toBe('true');
  await page.screenshot({ path: `${SHOTS}/notifications-en.png`, fullPage: true });

  // Opening it goes to the event and marks it read: the header counts one fewer.
  await card.getByRole('link', { name: 'Open' }).click();
  await expect.poll(() => page.url(), TIMEOUT).toContain(`/safety?tab=events&ae=${saved.aeId}`);
  const left = unread - 1;
  const after =
    left === 0
      ? page.getByRole('link', { name: 'Notifications', exact: true })
      : page.getByRole('link', { name: new RegExp(`^Notifications\\s*${left}\\s*unread$`) });
  await expect.poll(() => after.count(), TIMEOUT).toBe(1);
  expect(await page.getByTestId('unread-count').count()).toBe(left === 0 ? 0 : 1);

  await page.getByText('简体中文').click();
  await page
    .getByRole('link', { name: /^通知(\s*\d+\s*条未读)?$/ })
    .first()
    .click();
  const chinese = page.getByLabel(`严重不良事件：${studyNumber}`);
  await expect.poll(() => chinese.count(), TIMEOUT).toBe(1);
  await expect.poll(() => chinese.getAttribute('data-unread'), TIMEOUT).toBe('false');
  expect(await page.getByText('报告时限：始终立即以邮件发送。').count()).toBe(safetyClockKinds.size);
  expect(await page.getByRole('combobox', { name: '已报告严重不良事件: 方式' }).isDisabled()).toBe(true);
  // A kind that may change: the dosing pause, to the app only; the server keeps the choice.
  await page.getByRole('combobox', { name: '暂停给药: 方式' }).click();
  await page.getByRole('option', { name: '仅在应用内' }).click();

  await expect
    .poll(async () => {
      const preferences = await expectApiCall(
        server.url,
        investigator,
        'GET',
        '/notifications/preferences',
        undefined,
        200,
      );
      return preferences.kinds.find((entry: { kind: string }) => entry.kind === 'dosing.paused').mode;
    }, TIMEOUT)
    .toBe('in-app');
  await page.screenshot({ path: `${SHOTS}/notifications-zh.png`, fullPage: true });
});
