import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
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
import type { ServerProcess } from '../support/server-process.ts';

// A monitor's day: the query inbox, the participant list's query counts, SDV of a whole form, and
// the trial report among the exports; in English, then the same pages in Chinese; last, SDV of a
// value whose item a later amendment removed.

const COORDINATOR = trialStaff.coordinator.email;
const MONITOR = trialStaff.monitor.email;
const DATA_MANAGER = trialStaff.dataManager.email;
const TIMEOUT = { timeout: 15_000 };
const ANSWERED_QUESTION = 'Is the temperature from the ward thermometer?';
const OPEN_QUESTION = 'Please confirm the heart rate against the monitor strip.';

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
let protocol: Protocol;
let participantId = '';
let studyNumber = '';

type Headers = Record<string, string>;
const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
  expectApiCall(server.url, headers, method, path, body, status);

const formUrl = (formId: string) =>
  `/participants/${participantId}/visits/screening/forms/${formId}?instance=1`;

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  trial = await startTrialServer({
    name: 'monitor',
    // The data manager here belongs to the site as well.
    staff: ['coordinator', 'investigator', 'monitor', { ...trialStaff.dataManager, siteIds: [SITE] }],
  });
  ({ server, browser } = trial);
  ({ participantId, studyNumber } = await enrolThroughApi(server.url));
  // Two queries on the screening vitals: the site answers one, the other stays open.
  const monitor = await apiSignIn(server.url, MONITOR, PASSWORD);
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const vitals = await call(coordinator, 'GET', formUrl('vitals'), undefined, 200);
  const answered = await call(
    monitor,
    'POST',
    '/queries',
    { recordId: vitals.recordId, itemId: 'temperature', text: ANSWERED_QUESTION },
    201,
  );
  await call(
    monitor,
    'POST',
    '/queries',
    { recordId: vitals.recordId, itemId: 'heartRate', text: OPEN_QUESTION },
    201,
  );
  await call(
    coordinator,
    'POST',
    `/queries/${answered.queryId}/answer`,
    { text: 'Yes, the calibrated ward thermometer.', version: answered.version },
    200,
  );
}, 240_000);

afterAll(async () => trial?.close());

const pages = new Map<string, Promise<Page>>();

/**
 * A signed-in page per user and language (the language switch in the header, kept across pages),
 * signed in once and reused, so a loaded machine spends its time on the pages under test.
 */
async function signIn(email: string, language: 'en' | 'zh'): Promise<Page> {
  const key = `${email}:${language}`;
  if (!pages.has(key)) {
    pages.set(
      key,
      (async () => {
        const page = await signInPage(browser, server.url, email, PASSWORD, { timeZone: ZONE });
        if (language === 'zh') {
          await page.getByText('简体中文').click();
          await expect.poll(() => page.getByRole('heading', { name: '研究概览' }).count(), TIMEOUT).toBe(1);
        }
        return page;
      })(),
    );
  }
  const page = await (pages.get(key) as Promise<Page>);
  onTestFailed(async () => {
    await page.screenshot({ path: `${SHOTS}/monitor-day-failure-${language}.png`, fullPage: true });
  });
  return page;
}

it('a monitor opens the query inbox on the answered query, with open and answered counted apart', async () => {
  const page = await signIn(MONITOR, 'en');
  await page.goto(`${server.url}/queries`);
  const inbox = page.getByTestId('query-inbox');
  await expect.poll(() => inbox.count(), TIMEOUT).toBe(1);
  expect(await page.getByLabel('Status').inputValue()).toBe('answered');
  expect(await inbox.textContent()).toContain(ANSWERED_QUESTION);
  expect(await inbox.textContent()).not.toContain(OPEN_QUESTION);
  await expect
    .poll(() => page.getByTestId('query-counts').textContent(), TIMEOUT)
    .toBe('1 open · 1 answered');
  // Close waits for a comment, and says so beside the button.
  const close = inbox.getByRole('button', { name: 'Close' });
  expect(await close.isDisabled()).toBe(true);
  expect(
    await inbox.getByText('Write a comment first: a query is closed with a note saying why.').count(),
  ).toBe(1);
  // Site staff still open on what waits for them.
  const site = await signIn(COORDINATOR, 'en');
  await site.goto(`${server.url}/queries`);
  await expect.poll(() => site.getByTestId('query-inbox').count(), TIMEOUT).toBe(1);
  expect(await site.getByLabel('Status').inputValue()).toBe('open');
  expect(await site.getByTestId('query-inbox').textContent()).toContain(OPEN_QUESTION);
  await page.screenshot({ path: `${SHOTS}/monitor-query-inbox.png`, fullPage: true });
}, 120_000);

it('the participant list shows open and answered queries apart', async () => {
  const page = await signIn(MONITOR, 'en');
  await page.goto(`${server.url}/participants`);
  const row = page.getByTestId('participant-list').getByRole('row').filter({ hasText: studyNumber });
  await expect.poll(() => row.count(), TIMEOUT).toBe(1);
  expect(await row.getByTestId('query-counts').textContent()).toBe('1 open · 1 answered');
}, 60_000);

it('SDV names every checkbox, shows values as read, and verifies a whole form in one action', async () => {
  const page = await signIn(MONITOR, 'en');
  await page.goto(`${server.url}/participants/${participantId}/sdv`);
  const table = page.getByTestId('sdv-table');
  await expect.poll(() => table.count(), TIMEOUT).toBe(1);
  const boxes = await page.getByRole('checkbox').count();
  expect(boxes).toBeGreaterThan(10);
  expect(await page.getByRole('checkbox', { name: /\S/ }).count()).toBe(boxes);

  const demographics = protocol.forms.find((form) => form.id === 'demographics');
  const sexLabel = protocol.codeLists
    .find((list) => list.id === 'sex')
    ?.items.find((entry) => entry.code === 'M')?.label.en;
  expect(sexLabel).toBeTruthy();
  const group = page.getByTestId('sdv-form').filter({ hasText: demographics?.title.en ?? 'Demographics' });
  const text = (await table.textContent()) ?? '';
  expect(text).not.toMatch(/"|\btrue\b|\bfalse\b/);
  expect(text).toContain('Yes');
  expect(await group.getByRole('cell', { name: sexLabel, exact: true }).count()).toBe(1);
  expect(await group.getByRole('cell', { name: '70 kg', exact: true }).count()).toBe(1);

  const saved = await call(
    await apiSignIn(server.url, MONITOR, PASSWORD),
    'GET',
    formUrl('demographics'),
    undefined,
    200,
  );
  const fieldCount = Object.keys(saved.entries).length;
  await group.getByRole('button', { name: `Verify all fields (${fieldCount})` }).click();
  const dialog = page.getByRole('dialog');
  await expect
    .poll(() => dialog.getByTestId('sdv-confirm-list').getByRole('listitem').count(), TIMEOUT)
    .toBe(fieldCount);
  expect(await dialog.textContent()).toContain('Date of birth');
  await page.screenshot({ path: `${SHOTS}/monitor-sdv-confirm.png`, fullPage: true });
  await dialog.getByRole('button', { name: `Verify all fields (${fieldCount})` }).click();
  await expect.poll(() => group.count(), TIMEOUT).toBe(0);
  const after = await call(
    await apiSignIn(server.url, MONITOR, PASSWORD),
    'GET',
    formUrl('demographics'),
    undefined,
    200,
  );
  expect(Object.values(after.entries).every((entry) => (entry as { verified: boolean }).verified)).toBe(true);
}, 120_000);

it('the Exports page offers the trial report, PDF and HTML', async () => {
  const page = await signIn(DATA_MANAGER, 'en');
  await page.goto(`${server.url}/exports`);
  const card = page.getByTestId('export-report');
  await expect.poll(() => card.count(), TIMEOUT).toBe(1);
  expect(await card.getByRole('heading', { name: 'Trial report' }).count()).toBe(1);
  expect(await card.getByRole('link', { name: 'Download PDF' }).getAttribute('href')).toBe(
    '/api/v1/report?format=pdf',
  );
  const href = await card.getByRole('link', { name: 'Download HTML' }).getAttribute('href');
  const report = await page.context().request.get(`${server.url}${href}`);
  expect(report.status()).toBe(200);
  expect(report.headers()['content-type']).toContain('text/html');
  await page.screenshot({ path: `${SHOTS}/monitor-exports-report.png`, fullPage: true });
}, 120_000);

it('the same pages in Chinese', async () => {
  const page = await signIn(MONITOR, 'zh');
  await page.goto(`${server.url}/queries`);
  await expect.poll(() => page.getByTestId('query-inbox').count(), TIMEOUT).toBe(1);
  expect(await page.getByRole('heading', { name: '质疑' }).count()).toBe(1);
  await expect
    .poll(() => page.getByTestId('query-counts').textContent(), TIMEOUT)
    .toBe('1 条未回复 · 1 条已回复');
  await page.goto(`${server.url}/participants`);
  const row = page.getByTestId('participant-list').getByRole('row').filter({ hasText: studyNumber });
  await expect.poll(() => row.count(), TIMEOUT).toBe(1);
  expect(await row.getByTestId('query-counts').textContent()).toBe('1 条未回复 · 1 条已回复');
  await page.goto(`${server.url}/participants/${participantId}/sdv`);
  await expect.poll(() => page.getByTestId('sdv-table').count(), TIMEOUT).toBe(1);
  expect(await page.getByRole('button', { name: /^核查全部字段（\d+）$/ }).count()).toBeGreaterThan(0);
  const boxes = await page.getByRole('checkbox').count();
  expect(await page.getByRole('checkbox', { name: /\S/ }).count()).toBe(boxes);
  await page.screenshot({ path: `${SHOTS}/monitor-sdv-zh.png`, fullPage: true });
  const manager = await signIn(DATA_MANAGER, 'zh');
  await manager.goto(`${server.url}/exports`);
  const card = manager.getByTestId('export-report');
  await expect.poll(() => card.count(), TIMEOUT).toBe(1);
  expect(await card.getByRole('heading', { name: '试验报告' }).count()).toBe(1);
}, 120_000);

it('SDV labels an item a later amendment removed as the version it was entered under does', async () => {
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const manager = await apiSignIn(server.url, DATA_MANAGER, PASSWORD);
  // The site's platelet range puts 187 above it, so the lab panel lists the value (no CTCAE grade for high).
  await call(
    manager,
    'POST',
    `/sites/${SITE}/lab-ranges/import`,
    { csv: 'item,sex,ageLow,ageHigh,low,high,unit\nlabs.platelets,,,,100,150,10*9/L' },
    200,
  );
  const labs = await call(coordinator, 'GET', formUrl('labs'), undefined, 200);
  await call(
    coordinator,
    'PUT',
    formUrl('labs'),
    {
      version: labs.version,
      entries: {
        collectedOn: { value: siteDate(new Date(), ZONE) },
        creatinine: { value: 80 },
        platelets: { value: 187 },
      },
    },
    200,
  );
  // Amendment 1 (version "1.1") takes the platelet count off the laboratory form; the site approves it.
  const amended = readFileSync(defaultProtocolPath(), 'utf8')
    .replace(/^version: .*$/m, 'version: "1.1"')
    .replace(/ {6}- id: platelets\n[\s\S]*?(?= {6}- id: crp\n)/, '');
  expect(amended).not.toMatch(/id: platelets\n/);
  await call(manager, 'POST', '/protocol/versions', { source: amended, reason: 'No platelet count' }, 201);
  await call(
    manager,
    'POST',
    '/protocol/versions/2/approvals',
    { siteId: SITE, approvedOn: siteDate(new Date(), ZONE) },
    201,
  );
  const platelets = protocol.forms
    .find((form) => form.id === 'labs')
    ?.items.find((item) => item.id === 'platelets')?.label;
  expect(platelets?.en).toBe('Platelet count');
  for (const [language, removed] of [
    ['en', 'Removed in the current protocol (1.1), entered under protocol 1.0'],
    ['zh', '当前方案（1.1）已删除此项，录入时方案版本 1.0'],
  ] as const) {
    const page = await signIn(MONITOR, language);
    await page.goto(`${server.url}/participants/${participantId}/sdv`);
    const row = page
      .getByTestId('sdv-table')
      .getByRole('row')
      .filter({ hasText: platelets?.[language] ?? 'platelets' });
    await expect.poll(() => row.count(), TIMEOUT).toBe(1);
    expect(await row.getByTestId('sdv-removed-item').textContent()).toBe(removed);
    expect(await row.getByRole('cell', { name: '187', exact: false }).count()).toBeGreaterThan(0);
    // Items the amendment kept carry no such mark.
    expect(await page.getByTestId('sdv-removed-item').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/monitor-sdv-removed-item-${language}.png`, fullPage: true });
  }
}, 120_000);

it('the form page, the query inbox and the audit trail name the removed item as its version did, with the value kept', async () => {
  // Runs after the SDV test above, which enters the platelet count and loads the amendment.
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const labs = await call(coordinator, 'GET', formUrl('labs'), undefined, 200);
  expect(labs.protocolVersion).toBe(1);
  const monitor = await apiSignIn(server.url, MONITOR, PASSWORD);
  const question = 'Was the platelet count from the central laboratory?';
  const raised = await call(
    monitor,
    'POST',
    '/queries',
    { recordId: labs.recordId, itemId: 'platelets', text: question },
    201,
  );
  expect(raised.protocolVersion).toBe(1);
  const label = protocol.forms
    .find((form) => form.id === 'labs')
    ?.items.find((item) => item.id === 'platelets')?.label;
  const title = protocol.forms.find((form) => form.id === 'labs')?.title;
  for (const [language, removed] of [
    ['en', 'Removed in the current protocol (1.1), entered under protocol 1.0'],
    ['zh', '当前方案（1.1）已删除此项，录入时方案版本 1.0'],
  ] as const) {
    const page = await signIn(COORDINATOR, language);
    // The form page: the record read under 1.0, the platelet count's field with its value and the mark.
    await page.goto(`${server.url}/participants/${participantId}/forms/labs?visit=screening&instance=1`);
    const item = page.getByTestId('item-platelets');
    await expect.poll(() => item.count(), TIMEOUT).toBe(1);
    expect(await item.getByTestId('form-removed-item').textContent()).toBe(removed);
    expect(await item.textContent()).toContain(label?.[language]);
    expect(await item.getByRole('textbox').first().inputValue()).toBe('187');
    expect(await page.getByTestId('form-removed-item').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/monitor-form-removed-item-${language}.png`, fullPage: true });
    // The query inbox: the query on the platelet count names the item and form as 1.0 did.
    await page.goto(`${server.url}/queries`);
    const row = page.getByTestId('query-inbox').getByRole('row').filter({ hasText: question });
    await expect.poll(() => row.count(), TIMEOUT).toBe(1);
    expect(await row.textContent()).toContain(label?.[language]);
    expect(await row.textContent()).toContain(title?.[language]);
    expect(await row.textContent()).not.toMatch(/·\s*platelets/);
    expect(await row.getByTestId('query-removed-item').textContent()).toBe(removed);
    expect(await page.getByTestId('query-removed-item').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/monitor-queries-removed-item-${language}.png`, fullPage: true });
    // The participant's audit trail (a monitor's view): the platelet count's entry, named and marked.
    const reader = await signIn(MONITOR, language);
    await reader.goto(`${server.url}/participants/${participantId}`);
    const entry = reader
      .getByTestId('audit-table')
      .getByRole('row')
      .filter({ has: reader.getByTestId('audit-removed-item') });
    await expect.poll(() => entry.count(), TIMEOUT).toBeGreaterThan(0);
    for (const text of await entry.allTextContents()) {
      expect(text).toContain(`${title?.[language]} · ${label?.[language]}`);
      expect(text).toContain(removed);
    }
    const texts = await entry.allTextContents();
    expect(
      texts.some((text) => text.includes('→ 187')),
      texts.join('\n'),
    ).toBe(true);
    expect(
      await reader
        .getByTestId('audit-field')
        .filter({ hasText: /·\s*platelets$/ })
        .count(),
    ).toBe(0);
    await reader.screenshot({ path: `${SHOTS}/monitor-audit-removed-item-${language}.png`, fullPage: true });
  }
}, 120_000);

it('the lab panel names a value on the removed item as its version did, with the mark', async () => {
  // Runs after the SDV test above, which flags the platelet count high and loads the amendment.
  const label = protocol.forms
    .find((form) => form.id === 'labs')
    ?.items.find((item) => item.id === 'platelets')?.label;
  for (const [language, removed] of [
    ['en', 'Removed in the current protocol (1.1), entered under protocol 1.0'],
    ['zh', '当前方案（1.1）已删除此项，录入时方案版本 1.0'],
  ] as const) {
    const page = await signIn(COORDINATOR, language);
    await page.goto(`${server.url}/participants/${participantId}`);
    const row = page.getByTestId('lab-flag-row').filter({ hasText: label?.[language] ?? 'platelets' });
    await expect.poll(() => row.count(), TIMEOUT).toBe(1);
    expect(await row.getByTestId('lab-removed-item').textContent()).toBe(removed);
    expect(await row.textContent()).toContain('187');
    expect(await row.textContent()).not.toContain('labs.platelets');
    expect(await page.getByTestId('lab-removed-item').count()).toBe(1);
    await page
      .getByTestId('lab-panel')
      .screenshot({ path: `${SHOTS}/monitor-lab-panel-removed-item-${language}.png` });
  }
}, 120_000);

it('keeps a stored value on the form page, read-only with a note, when its display condition no longer holds', async () => {
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  // The Child-Pugh score shows only with chronic liver disease: entered under it, then the answer changes.
  const setLiverDisease = async (value: boolean) => {
    const history = await call(coordinator, 'GET', formUrl('medicalHistory'), undefined, 200);
    await call(
      coordinator,
      'PUT',
      formUrl('medicalHistory'),
      {
        version: history.version,
        entries: { chronicLiverDisease: { value } },
        reason: 'Transcription error',
      },
      200,
    );
  };
  await setLiverDisease(true);
  const screening = await call(coordinator, 'GET', formUrl('screening'), undefined, 200);
  await call(
    coordinator,
    'PUT',
    formUrl('screening'),
    { version: screening.version, entries: { childPughScore: { value: 6 } } },
    200,
  );
  await setLiverDisease(false);
  const stored = await call(coordinator, 'GET', formUrl('screening'), undefined, 200);
  expect(stored.entries.childPughScore?.value).toBe(6);
  for (const [language, note] of [
    [
      'en',
      'The condition for showing this item no longer holds; its stored value is kept and shown read-only.',
    ],
    ['zh', '此条目的显示条件已不成立；其已存储的值予以保留，并以只读方式显示。'],
  ] as const) {
    const page = await signIn(COORDINATOR, language);
    await page.goto(`${server.url}/participants/${participantId}/forms/screening?visit=screening&instance=1`);
    const item = page.getByTestId('item-childPughScore');
    await expect.poll(() => item.count(), TIMEOUT).toBe(1);
    expect(await item.getByTestId('condition-no-longer-holds').textContent()).toBe(note);
    const field = item.getByRole('textbox').first();
    expect(await field.inputValue()).toBe('6');
    expect(await field.isDisabled()).toBe(true);
    // Only this item: the other items whose conditions do not hold and have no value stay hidden.
    expect(await page.getByTestId('condition-no-longer-holds').count()).toBe(1);
    expect(await page.getByTestId('item-pregnant').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/monitor-form-condition-false-${language}.png`, fullPage: true });
  }
}, 120_000);

it('the adverse-event detail reads the event under the protocol version it was entered under', async () => {
  // Runs after the amendment to 1.1 above: the event is entered under 1.1, then 1.2 renames an outcome.
  const coordinator = await apiSignIn(server.url, COORDINATOR, PASSWORD);
  const onset = new Intl.DateTimeFormat('sv-SE', {
    timeZone: ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
    .format(new Date(Date.now() - 60_000))
    .replace(' ', 'T');
  const fields = {
    term: 'Headache',
    onsetAt: onset,
    ongoing: true,
    grade: 1,
    serious: false,
    inhalationAssociated: false,
    actionTaken: 'none',
    outcome: 'recovering',
  };
  const ae = await call(
    coordinator,
    'POST',
    `/participants/${participantId}/adverse-events`,
    { entries: Object.fromEntries(Object.entries(fields).map(([item, value]) => [item, { value }])) },
    201,
  );
  expect(ae.protocolVersion).toBe(2);
  const amended = readFileSync(defaultProtocolPath(), 'utf8')
    .replace(/^version: .*$/m, 'version: "1.2"')
    .replace(/ {6}- id: platelets\n[\s\S]*?(?= {6}- id: crp\n)/, '')
    .replace(
      '{ code: recovering, label: { en: Recovering/resolving, zh: 好转 } }',
      '{ code: recovering, label: { en: Recovering (renamed in 1.2), zh: 好转（1.2 改名） } }',
    );
  expect(amended).toContain('Recovering (renamed in 1.2)');
  const manager = await apiSignIn(server.url, DATA_MANAGER, PASSWORD);
  await call(manager, 'POST', '/protocol/versions', { source: amended, reason: 'Outcome wording' }, 201);
  await call(
    manager,
    'POST',
    '/protocol/versions/3/approvals',
    { siteId: SITE, approvedOn: siteDate(new Date(), ZONE) },
    201,
  );
  for (const [language, entered, renamed] of [
    ['en', 'Recovering/resolving', 'Recovering (renamed in 1.2)'],
    ['zh', '好转', '好转（1.2 改名）'],
  ] as const) {
    const page = await signIn(COORDINATOR, language);
    await page.goto(`${server.url}/safety?tab=events&ae=${ae.aeId}`);
    const detail = page.getByTestId('ae-detail');
    await expect.poll(() => detail.count(), TIMEOUT).toBe(1);
    await expect.poll(async () => (await detail.textContent()) ?? '', TIMEOUT).toContain(entered);
    expect(await detail.textContent()).not.toContain(renamed);
    await page.screenshot({ path: `${SHOTS}/monitor-ae-entered-version-${language}.png`, fullPage: true });
  }
}, 120_000);
