import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiSignIn, signInPage } from '../support/browser.ts';
import { type DemoServer, startDemoServer } from '../support/demo-server.ts';
import { chromiumPdfText } from '../support/pdf-text.ts';
import type { ServerProcess } from '../support/server-process.ts';

// An SAE in the demo trial, from the event page to the PDF sent: the investigator edits and saves the
// report's narrative, records the report to the sponsor (an e-signature), and downloads the CIOMS I
// form kept with the submission, which carries the demo's lot, the coded term and the narrative.

const INVESTIGATOR = 'investigator.rj@demo.exotrial.org';
const TIMEOUT = { timeout: 30_000 };
const HOUR = 3_600_000;
/** The site's wall-clock time (Asia/Shanghai, UTC+8) of an instant. */
const siteLocal = (at: number) => new Date(at + 8 * HOUR).toISOString().slice(0, 16);

let demo: DemoServer;
let server: ServerProcess;
let browser: Browser;
let password = '';
let aeId = '';
let lotNumber = '';

beforeAll(async () => {
  demo = await startDemoServer('sae-report', { subjects: 6, seed: 11 });
  ({ server, browser, password } = demo);
  // A new SAE for a dosed demo participant at the investigator's site (the demo's own SAEs were
  // reported already): serious, possibly related and unexpected.
  const headers = await apiSignIn(server.url, INVESTIGATOR, password);
  const events = (await (
    await fetch(`${server.url}/api/v1/adverse-events?limit=500`, { headers })
  ).json()) as {
    items: Array<{ participantId: string; summary: { outcome: string | null } }>;
  };
  const candidates = [
    ...new Set(events.items.filter((e) => e.summary.outcome !== 'fatal').map((e) => e.participantId)),
  ];
  for (const participantId of candidates) {
    const created = await fetch(`${server.url}/api/v1/participants/${participantId}/adverse-events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        entries: Object.fromEntries(
          Object.entries({
            term: 'Bronchospasm',
            onsetAt: siteLocal(Date.now() - 3 * HOUR),
            ongoing: true,
            grade: 3,
            serious: true,
            seriousnessCriteria: ['hospitalisation'],
            awareAt: siteLocal(Date.now() - 2 * HOUR),
            causality: 'possible',
            expected: false,
            inhalationAssociated: true,
            actionTaken: 'withdrawn',
            outcome: 'recovering',
          }).map(([item, value]) => [item, { value }]),
        ),
      }),
    });
    if (created.status === 201) {
      aeId = ((await created.json()) as { aeId: string }).aeId;
      break;
    }
  }
  expect(aeId).not.toBe('');
  const report = (await (
    await fetch(`${server.url}/api/v1/adverse-events/${aeId}/report`, { headers })
  ).json()) as {
    suspectProduct: { lotNumbers: string[] };
  };
  lotNumber = report.suspectProduct.lotNumbers[0] ?? '';
  expect(lotNumber).not.toBe('');
}, 600_000);

afterAll(async () => demo?.close());

it('edits and saves the narrative, records the report and downloads its CIOMS I PDF', async () => {
  const page = await signInPage(browser, server.url, INVESTIGATOR, password, { timeZone: 'Asia/Shanghai' });
  await page.goto(`${server.url}/safety?tab=events&ae=${aeId}`);
  const detail = page.getByTestId('ae-detail');
  const narrative = detail.getByTestId('narrative');
  const text = narrative.getByTestId('narrative-text');
  await expect.poll(() => text.count(), TIMEOUT).toBe(1);
  // The draft is written from the data: the dose given from the demo's lot.
  expect(await text.inputValue()).toContain(`lot ${lotNumber}`);
  expect(await narrative.getByTestId('narrative-status').textContent()).toContain('Drafted from the data');
  const edited = `${await text.inputValue()} Salbutamol nebulised; wheeze settled within the hour.`;
  await text.fill(edited);
  await narrative.getByTestId('narrative-save').click();
  await expect
    .poll(() => narrative.getByTestId('narrative-status').textContent(), TIMEOUT)
    .toContain('Revision 1');
  expect(await text.inputValue()).toBe(edited);

  await detail.getByTestId('submission-form').getByRole('button', { name: 'Record the submission' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Sent at').fill(siteLocal(Date.now() - 30 * 60_000));
  await dialog.getByLabel('Recipient’s reference').fill('SPONSOR-SAE-E2E');
  await dialog.getByLabel('Your password').fill(password);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  const siteClock = detail.getByTestId('clock-sae-to-sponsor-initial');
  await expect.poll(() => siteClock.getByTestId('submission').count(), TIMEOUT).toBe(1);
  expect(await siteClock.getByTestId('submission').textContent()).toContain('Report version: initial');

  // The submission's PDF link, fetched in the signed-in browser context (a PDF opens in a new tab).
  const href = (await siteClock.getByRole('link', { name: 'PDF' }).getAttribute('href')) ?? '';
  expect(href).toMatch(/^\/api\/v1\/safety\/submissions\/[0-9a-f-]+\/report\.pdf$/);
  const response = await page.request.get(`${server.url}${href}`);
  expect(response.status()).toBe(200);
  expect(response.headers()['x-report-as-sent']).toBe('true');
  const pdf = Buffer.from(await response.body());
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const flat = chromiumPdfText(pdf).text.replace(/\n/g, '');
  for (const expected of [
    'SUSPECT ADVERSE REACTION REPORT',
    lotNumber,
    'PT Bronchospasm',
    'Salbutamol nebulised',
    'Version: Initial',
  ]) {
    expect(flat, expected).toContain(expected);
  }
}, 300_000);
