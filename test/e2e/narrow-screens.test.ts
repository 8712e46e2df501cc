import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiSignIn, launchBrowser } from '../support/browser.ts';
import { exotrial } from '../support/cli.ts';
import { expectApiCall } from '../support/e2e-trial.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

// A phone or small tablet (390 × 844) on every main page, in English and in Chinese, over a synthetic
// trial (a dosed participant with adverse events, a serious one among them, queries, lots, a shipment):
// no page is wider than the screen, nothing visible sticks out past its right edge unless it sits in a
// frame that scrolls, the header leaves the breadcrumb in view, and the casebook grid scrolls sideways
// inside its frame with its first column in place.

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const TIMEOUT = { timeout: 20_000 };
const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-narrow-'));
const shots = mkdtempSync(join(tmpdir(), 'exotrial-narrow-screens-'));
let server: ServerProcess;
let browser: Browser;
let password = '';

type Account = 'investigator.rj' | 'monitor' | 'pharmacist' | 'datamanager' | 'admin';
interface Visit {
  name: string;
  account: Account;
  path: string;
  /** A ward page: its screenshot is kept. */
  ward?: boolean;
  /** Shown once the page has drawn its content. */
  ready?: string;
}

const ids = { participant: '', formPath: '', doseVisit: '', seriousAe: '', lot: '', unit: '' };
const staff = (account: Account) => `${account}@demo.exotrial.org`;

function visits(): Visit[] {
  const participant = `/participants/${ids.participant}`;
  return [
    { name: 'overview', account: 'investigator.rj', path: '/' },
    { name: 'participants', account: 'investigator.rj', path: '/participants' },
    {
      name: 'participant',
      account: 'investigator.rj',
      path: participant,
      ward: true,
      ready: 'casebook-grid',
    },
    { name: 'form', account: 'investigator.rj', path: ids.formPath, ward: true },
    {
      name: 'dosing',
      account: 'investigator.rj',
      path: `/safety/dosing?participant=${ids.participant}&visit=${ids.doseVisit}`,
      ward: true,
    },
    { name: 'dosing-overview', account: 'investigator.rj', path: '/safety/dosing', ready: 'dosing-overview' },
    { name: 'safety-dashboard', account: 'investigator.rj', path: '/safety', ward: true },
    {
      name: 'safety-events',
      account: 'investigator.rj',
      path: '/safety?tab=events',
      ward: true,
      ready: 'ae-row',
    },
    {
      name: 'sae-timeline',
      account: 'investigator.rj',
      path: `/safety?tab=events&ae=${ids.seriousAe}`,
      ward: true,
      ready: 'ae-detail',
    },
    { name: 'protocol', account: 'investigator.rj', path: '/forms' },
    { name: 'account', account: 'investigator.rj', path: '/account' },
    { name: 'queries', account: 'monitor', path: '/queries' },
    { name: 'sdv', account: 'monitor', path: `${participant}/sdv` },
    { name: 'product-dispensing', account: 'pharmacist', path: '/product/dispensing', ward: true },
    { name: 'product-inventory', account: 'pharmacist', path: '/product' },
    { name: 'product-lot', account: 'pharmacist', path: `/product/lots/${ids.lot}` },
    { name: 'product-unit', account: 'pharmacist', path: `/product/units/${ids.unit}` },
    { name: 'product-shipments', account: 'pharmacist', path: '/product/shipments' },
    { name: 'analysis', account: 'datamanager', path: '/analysis' },
    { name: 'exports', account: 'datamanager', path: '/exports' },
    ...['users', 'roles', 'sites', 'tokens', 'sessions', 'audit'].map(
      (area): Visit => ({ name: `admin-${area}`, account: 'admin', path: `/admin/${area}` }),
    ),
  ];
}

const started = Date.now();
/** Prints how long the set-up took so far (a synthetic trial and a server start are most of the file). */
const lap = (what: string) => console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);

beforeAll(async () => {
  const demo = exotrial(['demo', '--subjects', '4', '--seed', '3'], { target: { kind: 'pglite', dataDir } });
  expect(demo.code, demo.stderr).toBe(0);
  password = /password: (\S+)/.exec(demo.stdout)?.[1] ?? '';
  lap('demo');
  expect(password).not.toBe('');
  server = await startServerProcess(['--port', String(await freePort()), '--data', dataDir], {
    EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
  });
  lap('server');
  await findPages();
  lap('records found');
  browser = await launchBrowser();
  console.log(`narrow-screen screenshots: ${shots}`);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The records the pages show: a dosed participant with a serious adverse event, a lot, a freezer. */
async function findPages(): Promise<void> {
  const get = async (account: Account, path: string) =>
    expectApiCall(
      server.url,
      await apiSignIn(server.url, staff(account), password),
      'GET',
      path,
      undefined,
      200,
    );
  const events: { items: Array<{ aeId: string; participantId: string; summary: { serious: boolean } }> } =
    await get('investigator.rj', '/adverse-events?limit=100');
  const serious = events.items.find((event) => event.summary.serious);
  if (!serious) throw new Error('the synthetic trial has no serious adverse event');
  ids.seriousAe = serious.aeId;
  ids.participant = serious.participantId;
  const schedule: { doses: Array<{ visitId: string; administration: unknown }> } = await get(
    'investigator.rj',
    `/participants/${ids.participant}/doses`,
  );
  ids.doseVisit = schedule.doses.find((dose) => dose.administration)?.visitId ?? '';
  expect(ids.doseVisit, 'a dose given to the participant').not.toBe('');
  const casebook: { cells: Array<{ visitKey: string; formId: string; instance: number; recordId: string }> } =
    await get('investigator.rj', `/participants/${ids.participant}/casebook`);
  const vitals = casebook.cells.find((cell) => cell.formId === 'vitals');
  if (!vitals) throw new Error('the participant has no vital signs saved');
  ids.formPath = `/participants/${ids.participant}/forms/vitals?visit=${encodeURIComponent(vitals.visitKey)}&instance=${vitals.instance}`;
  // An open query on the form, so the form page, the inbox and SDV show one.
  const monitor = await apiSignIn(server.url, staff('monitor'), password);
  await expectApiCall(
    server.url,
    monitor,
    'POST',
    '/queries',
    {
      recordId: vitals.recordId,
      itemId: 'heartRate',
      text: 'Heart rate above the screening value: please confirm.',
    },
    201,
  );
  const inventory: { lots: Array<{ lotId: string }>; units: Array<{ unitId: string }> } = await get(
    'pharmacist',
    '/product/inventory?expiringWithinDays=30',
  );
  ids.lot = inventory.lots[0]?.lotId ?? '';
  ids.unit = inventory.units[0]?.unitId ?? '';
  expect(ids.lot && ids.unit, 'a lot and a storage unit').toBeTruthy();
}

/** One signed-in phone-sized page per account, kept for the whole file (signing in hashes a password). */
const signedIn = new Map<Account, Page>();

async function phonePage(account: Account, language: Language): Promise<Page> {
  let page = signedIn.get(account);
  if (!page) {
    page = await signIn(account);
    signedIn.set(account, page);
  }
  await page.setViewportSize(PHONE);
  const lang = language === 'zh' ? 'zh-CN' : 'en';
  if ((await page.evaluate(() => document.documentElement.lang)) !== lang) {
    await page.getByText(language === 'zh' ? '简体中文' : 'English', { exact: true }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang), TIMEOUT).toBe(lang);
  }
  return page;
}

async function signIn(account: Account): Promise<Page> {
  const context: BrowserContext = await browser.newContext({ locale: 'en-GB', viewport: PHONE });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(staff(account));
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), TIMEOUT);
  await expect.poll(() => page.locator('main h2').count(), TIMEOUT).toBeGreaterThan(0);
  return page;
}

/**
 * Moves within the app as a link would (no reload: the app stays loaded, which keeps the file quick),
 * then waits until the page has drawn: its heading and any `ready` element are there, nothing is
 * loading, and the page has not changed for a moment.
 */
async function open(page: Page, path: string, ready?: string): Promise<void> {
  // The same route with other search terms keeps a page's own state (the dosing page's participant):
  // such a move is a fresh load, as when a link is opened anew.
  if (new URL(page.url()).pathname === new URL(path, server.url).pathname) {
    await page.goto(`${server.url}${path}`);
  } else {
    await page.evaluate((next) => {
      window.history.pushState(null, '', next);
      window.dispatchEvent(new PopStateEvent('popstate'));
    }, path);
  }
  const main = page.locator('main');
  await expect.poll(() => main.locator('h2, h3').count(), TIMEOUT).toBeGreaterThan(0);
  if (ready) await expect.poll(() => page.getByTestId(ready).count(), TIMEOUT).toBeGreaterThan(0);
  let before = '';
  await expect
    .poll(
      async () => {
        const now = await main.evaluate((element) =>
          element.querySelector('.mantine-Loader-root') ? '' : element.innerHTML,
        );
        const settled = now !== '' && now === before;
        before = now;
        return settled;
      },
      { ...TIMEOUT, interval: 300 },
    )
    .toBe(true);
}

/**
 * In the page: elements drawn past the right edge of the window that are not inside a frame that
 * scrolls sideways (a frame itself within the window), and badges or segmented choices (the language switch) whose words are cut short. Only the
 * outermost element of each overflowing subtree is named, as a short selector path.
 */
function overflowInPage(): { scrollWidth: number; innerWidth: number; offenders: string[] } {
  const width = window.innerWidth;
  const scrollsSideways = (element: Element) =>
    ['auto', 'scroll'].includes(getComputedStyle(element).overflowX);
  const name = (element: Element) => {
    const testId = element.getAttribute('data-testid');
    const classes = [...element.classList].filter((entry) => entry.startsWith('mantine-')).slice(0, 2);
    return `${element.tagName.toLowerCase()}${testId ? `[data-testid="${testId}"]` : ''}${classes.map((entry) => `.${entry}`).join('')}`;
  };
  const path = (element: Element) => {
    const parts: string[] = [];
    for (
      let at: Element | null = element;
      at && at !== document.body && parts.length < 4;
      at = at.parentElement
    ) {
      parts.unshift(name(at));
    }
    return parts.join(' > ');
  };
  const text = (element: Element) => (element.textContent ?? '').trim().slice(0, 30);
  const outside = new Set<Element>();
  const offenders: string[] = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width < 2 || box.height < 2 || box.right <= width + 0.5) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    let framed = false;
    let reported = false;
    for (
      let parent = element.parentElement;
      parent && parent !== document.body;
      parent = parent.parentElement
    ) {
      if (outside.has(parent)) reported = true;
      if (!framed && scrollsSideways(parent) && parent.getBoundingClientRect().right <= width + 0.5)
        framed = true;
    }
    if (framed) continue;
    outside.add(element);
    if (!reported)
      offenders.push(`${path(element)} reaches ${Math.round(box.right)} px ("${text(element)}")`);
  }
  for (const label of document.querySelectorAll('.mantine-Badge-label, .mantine-SegmentedControl-label')) {
    if (label.scrollWidth > label.clientWidth + 1) {
      offenders.push(
        `${path(label)} is cut: ${label.clientWidth} of ${label.scrollWidth} px ("${text(label)}")`,
      );
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, offenders };
}

/** What overflows the window on the page now open (and its screenshot, for a ward page). */
async function overflowOf(page: Page, visit: Visit, language: Language): Promise<string[]> {
  if (visit.ward)
    await page.screenshot({ path: join(shots, `${visit.name}-${language}.png`), fullPage: true });
  const found = await page.evaluate(overflowInPage);
  const problems = found.offenders.map((offender) => `${visit.name} (${language}): ${offender}`);
  if (found.scrollWidth > found.innerWidth) {
    problems.unshift(
      `${visit.name} (${language}): the page is ${found.scrollWidth} px wide in a ${found.innerWidth} px window`,
    );
  }
  return problems;
}

type Language = 'en' | 'zh';

/** Signs in as each account in turn, chooses the language in the header, and measures its pages. */
async function everyPage(language: Language): Promise<string[]> {
  const problems: string[] = [];
  const all = visits();
  for (const account of [...new Set(all.map((visit) => visit.account))]) {
    const page = await phonePage(account, language);
    for (const visit of all.filter((entry) => entry.account === account)) {
      await open(page, visit.path, visit.ready);
      problems.push(...(await overflowOf(page, visit, language)));
    }
  }
  return problems;
}

it('no page is wider than a 390 px screen, and no badge or switch is cut, in English', async () => {
  expect(await everyPage('en')).toEqual([]);
});

it('no page is wider than a 390 px screen, and no badge or switch is cut, in Chinese', async () => {
  expect(await everyPage('zh')).toEqual([]);
});

it('the header leaves the breadcrumb of a form page in view, in English and Chinese', async () => {
  for (const language of ['en', 'zh'] as const) {
    const page = await phonePage('investigator.rj', language);
    await open(page, ids.formPath);
    const layout = await page.evaluate(() => {
      const header = document.querySelector('header');
      const crumbs = document.querySelector('main .mantine-Breadcrumbs-root');
      const first = crumbs?.querySelector('a');
      if (!header || !crumbs || !first) return null;
      const link = first.getBoundingClientRect();
      const onTop = document.elementFromPoint(link.left + link.width / 2, link.top + link.height / 2);
      return {
        headerBottom: header.getBoundingClientRect().bottom,
        crumbsTop: crumbs.getBoundingClientRect().top,
        headerOverflows: header.scrollHeight > header.clientHeight,
        linkOnTop: onTop !== null && first.contains(onTop),
      };
    });
    expect(layout, `${language}: a header and a breadcrumb with a link`).not.toBeNull();
    expect(layout?.headerOverflows, `${language}: the header holds its content`).toBe(false);
    expect(layout?.crumbsTop, `${language}: the breadcrumb starts below the header`).toBeGreaterThanOrEqual(
      layout?.headerBottom ?? Number.POSITIVE_INFINITY,
    );
    expect(layout?.linkOnTop, `${language}: nothing covers the breadcrumb's first link`).toBe(true);
    // The menu button is all a phone shows of the navigation: a screen reader names it.
    const menu = page.locator('header button.mantine-Burger-root');
    await expect.poll(() => menu.isVisible(), TIMEOUT).toBe(true);
    expect(await menu.getAttribute('aria-label'), `${language}: the menu button's name`).toBe(
      language === 'zh' ? '菜单' : 'Menu',
    );
  }
});

/** The casebook grid's frame, its first visit cell and last heading, where they are on the screen. */
function casebookInPage(scrollTo: number | null) {
  const grid = document.querySelector('[data-testid="casebook-grid"]');
  let frame = grid?.parentElement ?? null;
  while (frame && !['auto', 'scroll'].includes(getComputedStyle(frame).overflowX))
    frame = frame.parentElement;
  const visit = grid?.querySelector('[data-testid="casebook-visit"]');
  const headings = grid?.querySelectorAll('thead th');
  const last = headings?.[headings.length - 1];
  if (!grid || !frame || !visit || !last) return null;
  visit.scrollIntoView({ block: 'center' });
  if (scrollTo !== null) frame.scrollLeft = scrollTo;
  const visitBox = visit.getBoundingClientRect();
  const lastBox = last.getBoundingClientRect();
  const frameBox = frame.getBoundingClientRect();
  const onTop = document.elementFromPoint(visitBox.left + 4, visitBox.top + visitBox.height / 2);
  return {
    frameRight: frameBox.right,
    innerWidth: window.innerWidth,
    scrollLeft: frame.scrollLeft,
    scrollable: frame.scrollWidth - frame.clientWidth,
    visitLeft: visitBox.left,
    visitOnTop: onTop !== null && visit.contains(onTop),
    lastRight: lastBox.right,
  };
}

it('the casebook grid scrolls inside its frame with the visit column in place, at 390 and 1440 px', async () => {
  for (const viewport of [PHONE, DESKTOP]) {
    const page = await phonePage('investigator.rj', 'en');
    await page.setViewportSize(viewport);
    await open(page, `/participants/${ids.participant}`, 'casebook-grid');
    const at = `${viewport.width} px`;
    const start = await page.evaluate(casebookInPage, 0);
    if (!start) throw new Error(`${at}: no casebook grid in a frame that scrolls sideways`);
    expect(start.frameRight, `${at}: the frame fits the window`).toBeLessThanOrEqual(start.innerWidth);
    expect(start.visitOnTop, `${at}: the visit column shows`).toBe(true);
    if (viewport === PHONE)
      expect(start.scrollable, `${at}: the grid is wider than a phone`).toBeGreaterThan(100);
    const end = await page.evaluate(casebookInPage, 100_000);
    if (!end) throw new Error(`${at}: the casebook grid went away`);
    // Scrolled to its end, the last form's column shows whole inside the frame: nothing is cut off.
    expect(end.scrollLeft, `${at}: scrolled to the end`).toBe(end.scrollable);
    expect(end.lastRight, `${at}: the last column ends inside the frame`).toBeLessThanOrEqual(
      end.frameRight + 1,
    );
    // The visit column has not moved and is not covered by the cells scrolled under it.
    expect(Math.abs(end.visitLeft - start.visitLeft), `${at}: the visit column stays in place`).toBeLessThan(
      1,
    );
    expect(end.visitOnTop, `${at}: the visit column is drawn over the scrolled cells`).toBe(true);
  }
});
