import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import {
  expectApiCall,
  STAFF_PASSWORD as PASSWORD,
  siteDate,
  startTrialServer,
  type TrialServer,
  trialStaff,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// The participant list pages through its participants: page size, next and previous, the range shown,
// and the filters and page kept in the address so reload and back return to the same page.

const ADMIN = { email: 'admin@example.org', password: 'mexcovid oversight 2026' };
const COORDINATOR = trialStaff.coordinator.email;
const PARTICIPANTS = 60;
/** Every sixth participant declines at screening: 10 of the 60. */
const declines = (number: number) => number % 6 === 0;
const TIMEOUT = { timeout: 15_000 };

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;

beforeAll(async () => {
  trial = await startTrialServer({ name: 'pager', admin: ADMIN, staff: ['coordinator'] });
  ({ server, browser } = trial);
  // 60 screenings on one day: the list shows them newest number first, RJ-S060 … RJ-S001.
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const today = siteDate(new Date(), 'Asia/Shanghai');
  for (let number = 1; number <= PARTICIPANTS; number++) {
    const screened = await expectApiCall(
      server.url,
      coordinator,
      'POST',
      '/participants',
      { siteId: 'ruijin', screeningDate: today },
      201,
    );
    expect(screened.screeningNumber).toBe(screeningNumber(number));
    if (declines(number)) {
      await expectApiCall(
        server.url,
        coordinator,
        'POST',
        `/participants/${screened.participantId}/screen-outcome`,
        { outcome: 'declined', reason: 'Did not wish to take part', version: screened.version },
        200,
      );
    }
  }
});

afterAll(async () => trial?.close());

const screeningNumber = (number: number) => `RJ-S${String(number).padStart(3, '0')}`;
/** The screening numbers from `high` down to `low`, as the list orders them. */
const numbersDown = (high: number, low: number, keep: (number: number) => boolean = () => true) =>
  Array.from({ length: high - low + 1 }, (_, index) => high - index)
    .filter(keep)
    .map(screeningNumber);

const shownNumbers = (page: Page) =>
  page.getByTestId('participant-list').locator('tbody tr td:first-child a').allInnerTexts();
const rangeText = (page: Page) => page.getByTestId('participant-range').textContent();

async function expectPage(page: Page, numbers: string[], range: string, pageNumber: number) {
  await expect.poll(() => rangeText(page), TIMEOUT).toBe(range);
  await expect.poll(() => shownNumbers(page), TIMEOUT).toEqual(numbers);
  expect(await page.getByTestId('participant-page').textContent()).toBe(`Page ${pageNumber}`);
}

it('pages through 60 participants 25 at a time, keeps the page on reload and back, and a filter returns to page 1', async () => {
  const page = await signInPage(browser, server.url, COORDINATOR, PASSWORD);
  await page.getByRole('link', { name: 'Participants' }).first().click();

  // 50 a page by default; 25 a page shows the first 25.
  await expectPage(page, numbersDown(60, 11), 'Showing 1–50 of 60', 1);
  await page.getByLabel('Rows per page').selectOption('25');
  await expectPage(page, numbersDown(60, 36), 'Showing 1–25 of 60', 1);
  expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);

  await page.getByRole('button', { name: 'Next' }).click();
  await expectPage(page, numbersDown(35, 11), 'Showing 26–50 of 60', 2);
  await page.getByRole('button', { name: 'Next' }).click();
  await expectPage(page, numbersDown(10, 1), 'Showing 51–60 of 60', 3);
  expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
  const address = new URL(page.url());
  expect(address.searchParams.get('page')).toBe('3');
  expect(address.searchParams.get('size')).toBe('25');
  expect(address.searchParams.get('after')).toEqual(expect.any(String));

  // Reload: the same page from the address.
  await page.reload();
  await expectPage(page, numbersDown(10, 1), 'Showing 51–60 of 60', 3);

  // Back and forward move between the pages visited.
  await page.goBack();
  await expectPage(page, numbersDown(35, 11), 'Showing 26–50 of 60', 2);
  await page.goForward();
  await expectPage(page, numbersDown(10, 1), 'Showing 51–60 of 60', 3);
  // Previous steps down to page 1 (after the reload too), and Next back up.
  await page.getByRole('button', { name: 'Previous' }).click();
  await expectPage(page, numbersDown(35, 11), 'Showing 26–50 of 60', 2);
  await page.getByRole('button', { name: 'Previous' }).click();
  await expectPage(page, numbersDown(60, 36), 'Showing 1–25 of 60', 1);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await expectPage(page, numbersDown(10, 1), 'Showing 51–60 of 60', 3);
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/participant-list-page-3.png', fullPage: true });

  // A status filter starts again at page 1, with the filter and page size kept in the address.
  await page.getByLabel('Status').first().selectOption('declined');
  await expectPage(page, numbersDown(60, 1, declines), 'Showing 1–10 of 10', 1);
  const filtered = new URL(page.url());
  expect(filtered.searchParams.get('status')).toBe('declined');
  expect(filtered.searchParams.get('page')).toBeNull();
  expect(filtered.searchParams.get('after')).toBeNull();
  expect(filtered.searchParams.get('size')).toBe('25');
  await page.reload();
  await expectPage(page, numbersDown(60, 1, declines), 'Showing 1–10 of 10', 1);
  expect(await page.getByLabel('Status').first().inputValue()).toBe('declined');

  // In Chinese, the same range and pager.
  await page.getByText('简体中文').click();
  await expect.poll(() => rangeText(page), TIMEOUT).toBe('显示第 1–10 条，共 10 条');
  expect(await page.getByTestId('participant-page').textContent()).toBe('第 1 页');
  expect(await page.getByRole('button', { name: '下一页' }).isDisabled()).toBe(true);
  await page.getByText('English').click();

  // A page link with a damaged cursor says what to do and offers the first page.
  await page.goto(`${server.url}/participants?size=25&page=2&after=damaged`);
  await expect
    .poll(() => page.getByText(/Start again from the first page/).count(), TIMEOUT)
    .toBeGreaterThan(0);
  await page.getByRole('button', { name: 'First page' }).click();
  await expectPage(page, numbersDown(60, 36), 'Showing 1–25 of 60', 1);
  await page.context().close();
});
