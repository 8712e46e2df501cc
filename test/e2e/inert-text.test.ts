import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiSignIn, launchBrowser } from '../support/browser.ts';
import { exotrial } from '../support/cli.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

// Hostile text stored through the API wherever people type free text, then shown by the pages that
// display it (and by the trial report): no dialog opens, no injected element or handler exists in the
// page, nothing set the page's marker variable, and the text reads literally.

const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-inert-'));
let server: ServerProcess;
let browser: Browser;
let password = '';

/** One payload per field, each with a marker so the literal text can be found on its page. */
const hostile = (field: string) =>
  `${field} <img src=x onerror="window.__xss='${field}';alert('${field}')"><script>window.__xss='${field}';alert(1)</script><svg onload=alert(2)> \u202eRTL ẞ́ 💉`;
const SITE_NAME = hostile('site');
const USER_NAME = hostile('user');
const LOT_MANUFACTURER = hostile('lot');
const QUERY_TEXT = hostile('query');
const AE_TERM = hostile('term');
const REASON = hostile('reason');

const staff = (name: string) => `${name}@demo.exotrial.org`;

async function call(headers: Record<string, string>, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return JSON.parse(text);
}

let lotId = '';
let participantId = '';
let aeId = '';

beforeAll(async () => {
  const demo = exotrial(['demo', '--subjects', '3', '--seed', '5'], { target: { kind: 'pglite', dataDir } });
  expect(demo.code, demo.stderr).toBe(0);
  password = /password: (\S+)/.exec(demo.stdout)?.[1] ?? '';
  expect(password).not.toBe('');
  server = await startServerProcess(['--port', String(await freePort()), '--data', dataDir]);

  const admin = await apiSignIn(server.url, staff('admin'), password);
  await call(admin, 'POST', '/sites', {
    siteId: 'hostile-site',
    code: 'HX',
    name: { en: SITE_NAME, zh: SITE_NAME },
    timeZone: 'UTC',
  });
  await call(admin, 'POST', '/users', {
    email: 'hostile@example.org',
    name: USER_NAME,
    roles: ['monitor'],
    siteIds: ['hostile-site'],
    password: 'Harmless name 4711 pass',
  });

  const pharmacist = await apiSignIn(server.url, staff('pharmacist'), password);
  const unit = await call(pharmacist, 'POST', '/product/storage-units', {
    code: 'INERT-F1',
    name: 'Freezer for inert text',
    kind: 'freezer',
    siteId: null,
    nominalCelsius: -80,
    lowCelsius: -90,
    highCelsius: -60,
    excursionToleranceMinutes: 30,
  });
  const lot = await call(pharmacist, 'POST', '/product/lots', {
    lotNumber: 'EXO-INERT',
    manufacturer: LOT_MANUFACTURER,
    manufacturedOn: new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10),
    concentrationPerMl: 2.0e8 / 3,
    volumeMl: 3,
    vialCount: 2,
    unitId: unit.unitId,
  });
  lotId = lot.lotId;

  const monitor = await apiSignIn(server.url, staff('monitor'), password);
  const enrolled = await call(monitor, 'GET', '/participants?status=enrolled');
  participantId = enrolled.items[0].participantId;
  const casebook: { cells: Array<{ visitKey: string; formId: string; instance: number; recordId: string }> } =
    await call(monitor, 'GET', `/participants/${participantId}/casebook`);
  const cell = casebook.cells.find((entry) => entry.formId === 'vitals') ?? casebook.cells[0];
  if (!cell) throw new Error('an enrolled participant without records');
  const form = await call(
    monitor,
    'GET',
    `/participants/${participantId}/visits/${encodeURIComponent(cell.visitKey)}/forms/${cell.formId}?instance=${cell.instance}`,
  );
  const record = { recordId: cell.recordId, itemId: firstItem(form) };
  await call(monitor, 'POST', '/queries', {
    recordId: record.recordId,
    itemId: record.itemId,
    text: QUERY_TEXT,
  });

  const coordinator = await apiSignIn(server.url, staff('coordinator.rj'), password);
  const onset = new Date(Date.now() - 5 * 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 16);
  const fields = {
    term: AE_TERM,
    onsetAt: onset,
    ongoing: true,
    grade: 1,
    serious: false,
    inhalationAssociated: false,
    actionTaken: 'none',
    outcome: 'recovering',
  };
  const entries = (values: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));
  const ae = await call(coordinator, 'POST', `/participants/${participantId}/adverse-events`, {
    entries: entries(fields),
  });
  await call(coordinator, 'PUT', `/adverse-events/${ae.aeId}`, {
    version: ae.version,
    entries: entries({ ...fields, grade: 2 }),
    reason: REASON,
  });
  aeId = ae.aeId;
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The id of the first item holding a value in a form record as the API returns it. */
function firstItem(form: unknown): string {
  const stack: unknown[] = [form];
  while (stack.length) {
    const next = stack.pop();
    if (!next || typeof next !== 'object') continue;
    const entries = (next as { entries?: unknown }).entries;
    if (entries && typeof entries === 'object' && !Array.isArray(entries)) {
      const itemId = Object.keys(entries)[0];
      if (itemId) return itemId;
    }
    stack.push(...Object.values(next));
  }
  throw new Error(`no saved item in the form: ${JSON.stringify(form).slice(0, 300)}`);
}

interface Watch {
  dialogs: string[];
  page: Page;
}

async function signedInPage(email: string): Promise<Watch> {
  const page = await browser.newPage({ locale: 'en-GB' });
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  return { dialogs, page };
}

/** Opens a page, waits for the hostile text to show literally, and checks nothing ran or was injected. */
async function expectInert(
  watch: Watch,
  path: string,
  text: string,
  choose?: (page: Page) => Promise<void>,
): Promise<void> {
  const { page, dialogs } = watch;
  await page.goto(`${server.url}${path}`);
  await choose?.(page);
  const marker = text.slice(0, text.indexOf(' <img'));
  await expect
    .poll(() => page.getByText('<img src=x onerror=', { exact: false }).count(), { timeout: 20_000 })
    .toBeGreaterThan(0);
  const shown = (await page.locator('body').textContent()) ?? '';
  expect(shown).toContain(`${marker} <img src=x onerror="window.__xss='${marker}'`);
  expect(shown).toContain(`<script>window.__xss='${marker}';alert(1)</script>`);
  const injected = await page.evaluate(() => ({
    images: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    inlineScripts: [...document.querySelectorAll('script')].filter((script) => !script.src).length,
    marker: (window as unknown as { __xss?: string }).__xss ?? null,
  }));
  expect(injected, `${path}`).toEqual({ images: 0, handlers: 0, inlineScripts: 0, marker: null });
  expect(dialogs, `${path}`).toEqual([]);
}

it('administrators see hostile site and user names as text', async () => {
  const watch = await signedInPage(staff('admin'));
  await expectInert(watch, '/admin/sites', SITE_NAME);
  await expectInert(watch, '/admin/users', USER_NAME);
  await watch.page.close();
});

it('the pharmacist sees a hostile lot manufacturer as text', async () => {
  const watch = await signedInPage(staff('pharmacist'));
  await expectInert(watch, `/product/lots/${lotId}`, LOT_MANUFACTURER);
  await watch.page.close();
});

it('the monitor sees a hostile query text as text', async () => {
  const watch = await signedInPage(staff('monitor'));
  // A monitor's inbox opens on answered queries; the hostile one is still open.
  await expectInert(watch, '/queries', QUERY_TEXT, (page) =>
    page
      .getByLabel('Status')
      .selectOption('open')
      .then(() => undefined),
  );
  await watch.page.close();
});

it('the safety officer sees a hostile event term as text', async () => {
  const watch = await signedInPage(staff('safety'));
  await expectInert(watch, '/safety?tab=events', AE_TERM);
  await watch.page.close();
});

it('the audit trail shows a hostile reason for change as text', async () => {
  const admin = await signedInPage(staff('admin'));
  await expectInert(admin, `/admin/audit?entityType=adverse_event&entityId=${aeId}`, REASON);
  await admin.page.close();
});

it('the trial report renders the hostile event term inert', async () => {
  const dataManager = await apiSignIn(server.url, staff('datamanager'), password);
  const response = await fetch(`${server.url}/api/v1/report?format=html`, { headers: dataManager });
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).not.toContain('<script>window.__xss');
  expect(html).not.toContain('<img src=x');
  const page = await browser.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.setContent(html, { waitUntil: 'load' });
  expect((await page.locator('body').textContent()) ?? '').toContain(
    `<script>window.__xss='term';alert(1)</script>`,
  );
  const injected = await page.evaluate(() => ({
    images: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    marker: (window as unknown as { __xss?: string }).__xss ?? null,
  }));
  expect(injected).toEqual({ images: 0, handlers: 0, marker: null });
  expect(dialogs).toEqual([]);
  await page.close();
});

it('the API documentation page loads under its policy with nothing blocked', async () => {
  const page = await browser.newPage();
  const blocked: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    else if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/api/docs`);
  await expect.poll(() => page.getByText('exotrial API').count(), { timeout: 30_000 }).toBeGreaterThan(0);
  // Tags start folded (drawn all at once, Swagger UI stops after the first few of some 130
  // operations): each tag opened in turn shows its operations, and together they are every one.
  const spec = (await (await fetch(`${server.url}/api/docs/json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations = Object.values(spec.paths).reduce((sum, path) => sum + Object.keys(path).length, 0);
  const tags = page.locator('.opblock-tag');
  await expect.poll(() => tags.count(), { timeout: 30_000 }).toBeGreaterThan(10);
  let shown = 0;
  for (let index = 0; index < (await tags.count()); index++) {
    await tags.nth(index).click();
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    shown += await page.locator('.opblock').count();
    await tags.nth(index).click();
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 10_000 }).toBe(0);
  }
  expect(operations).toBeGreaterThan(100);
  expect(shown).toBe(operations);
  expect(blocked).toEqual([]);
  expect(errors).toEqual([]);
  await page.close();
});
