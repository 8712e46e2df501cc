import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_PASSWORD } from '../support/accounts.ts';
import { apiSignIn } from '../support/browser.ts';
import { dispenseThroughApi } from '../support/e2e-product.ts';
import {
  enrolThroughApi,
  expectApiCall,
  SITE,
  type StaffMember,
  startTrialServer,
  TRIAL_ADMIN,
  type TrialServer,
  trialStaff,
  ZONE,
} from '../support/e2e-trial.ts';
import type { ServerProcess } from '../support/server-process.ts';

// axe-core's WCAG 2.0 and 2.1 level A and AA rules on every page, signed in as a role that uses it,
// in English and in Chinese. Any violation fails, listed by rule, with the elements it found.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const ADMIN = TRIAL_ADMIN;
const PASSWORD = 'site staff password axe';
/** `newcomer`: an account the administrator made, signed in with its first password (to be replaced). */
type Person = StaffMember | 'admin' | 'newcomer';
const NEWCOMER = { email: 'newcomer@example.org', name: 'New Coordinator' };
type Language = 'en' | 'zh';

let trial: TrialServer;
let server: ServerProcess;
let browser: Browser;
const seeded = { participantId: '', lotId: '', unitId: '' };

beforeAll(async () => {
  trial = await startTrialServer({
    name: 'axe',
    password: PASSWORD,
    staff: ['coordinator', 'investigator', 'monitor', 'pharmacist', 'dataManager', 'safetyOfficer'],
  });
  ({ server, browser } = trial);
  // An enrolled participant with a dispensed vial, so the participant, form, dosing and product
  // pages show their content rather than their empty states.
  const { participantId } = await enrolThroughApi(server.url, {
    site: SITE,
    zone: ZONE,
    coordinator: trialStaff.coordinator.email,
    investigator: trialStaff.investigator.email,
    password: PASSWORD,
  });
  const pharmacist = await apiSignIn(server.url, trialStaff.pharmacist.email, PASSWORD);
  await dispenseThroughApi(server.url, pharmacist, {
    siteId: SITE,
    participantId,
    visitId: 'day-1',
    password: PASSWORD,
  });
  const [lot] = await expectApiCall(server.url, pharmacist, 'GET', '/product/lots', undefined, 200);
  const [unit] = await expectApiCall(server.url, pharmacist, 'GET', '/product/storage-units', undefined, 200);
  Object.assign(seeded, { participantId, lotId: lot.lotId, unitId: unit.unitId });
  await expectApiCall(
    server.url,
    trial.admin,
    'POST',
    '/users',
    { ...NEWCOMER, roles: ['study_coordinator'], siteIds: [SITE], password: FIRST_PASSWORD },
    201,
  );
});

/** One browser context per person, language and screen, kept for the file (a sign-in hashes a password). */
const contexts = new Map<string, Promise<BrowserContext>>();

afterAll(async () => {
  for (const context of contexts.values()) await (await context).close();
  await trial?.close();
});

/** A desktop browser in `language`, signed in as `person` through the API's session cookie. */
async function browserAs(
  person: Person | null,
  language: Language,
  viewport = { width: 1400, height: 1000 },
): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: language === 'zh' ? 'zh-CN' : 'en-GB',
    timezoneId: ZONE,
    viewport,
    // The server's Content-Security-Policy forbids inline scripts, which is how axe is injected.
    bypassCSP: true,
  });
  await context.addInitScript((chosen) => localStorage.setItem('exotrial.language', chosen), language);
  if (person) {
    const [email, password] =
      person === 'admin'
        ? [ADMIN.email, ADMIN.password]
        : person === 'newcomer'
          ? [NEWCOMER.email, FIRST_PASSWORD]
          : [trialStaff[person].email, PASSWORD];
    const headers = await apiSignIn(server.url, email, password);
    const [name, value = ''] = (headers.cookie ?? '').split('=');
    await context.addCookies([{ name: name ?? '', value, url: server.url }]);
  }
  return context;
}

/** Opens `path` and waits until the page has drawn its content: a heading, and no skeleton or loader. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${server.url}${path}`);
  const drawn = async () =>
    (await page.locator('h1, h2').count()) > 0 &&
    (await page.locator('[aria-busy="true"], .mantine-Loader-root').count()) === 0;
  await expect.poll(drawn, { timeout: 60_000 }).toBe(true);
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

async function violations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async (tags) => {
    const axe = (
      window as unknown as { axe: { run: (...args: unknown[]) => Promise<{ violations: Violation[] }> } }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations;
  }, WCAG_TAGS);
}

const describeViolations = (found: Violation[]) =>
  found
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help}\n` +
        violation.nodes
          .slice(0, 5)
          .map(
            (node) =>
              `    ${JSON.stringify(node.target)} ${node.failureSummary?.split('\n').slice(1, 2).join('') ?? ''}`,
          )
          .join('\n') +
        (violation.nodes.length > 5 ? `\n    … and ${violation.nodes.length - 5} more` : ''),
    )
    .join('\n');

/** Clicks the button with `testId` and waits for the dialog it opens. */
const openDialog = (testId: string) => async (page: Page) => {
  await page.getByTestId(testId).click();
  await expect.poll(() => page.getByRole('dialog').count(), { timeout: 15_000 }).toBe(1);
};

/** Each page with the person who uses it. */
const pages: Array<{
  name: string;
  person: Person | null;
  path: () => string;
  check?: (page: Page) => Promise<void>;
}> = [
  { name: 'sign-in', person: null, path: () => '/login' },
  // The page a one-time setup link opens (the link's secret is checked when the form is sent).
  { name: 'first administrator set-up', person: null, path: () => '/setup?token=a-setup-link-secret' },
  { name: 'password change at the first sign-in', person: 'newcomer', path: () => '/' },
  { name: 'overview', person: 'coordinator', path: () => '/' },
  { name: 'participants', person: 'coordinator', path: () => '/participants' },
  {
    name: 'participants, with the screening dialog open',
    person: 'coordinator',
    path: () => '/participants',
    check: openDialog('screen-participant'),
  },
  { name: 'participant', person: 'coordinator', path: () => `/participants/${seeded.participantId}` },
  {
    name: 'participant, with the end-of-participation dialog open',
    person: 'investigator',
    path: () => `/participants/${seeded.participantId}`,
    check: openDialog('end-participation'),
  },
  {
    name: 'form (vital signs)',
    person: 'coordinator',
    path: () => `/participants/${seeded.participantId}/forms/vitals?visit=screening&instance=1`,
  },
  {
    name: 'dosing',
    person: 'coordinator',
    path: () => `/safety/dosing?participant=${seeded.participantId}&visit=day-1`,
  },
  { name: 'worklist', person: 'coordinator', path: () => '/worklist' },
  { name: 'notifications', person: 'coordinator', path: () => '/notifications' },
  { name: 'deviations', person: 'monitor', path: () => '/deviations' },
  { name: 'queries', person: 'monitor', path: () => '/queries' },
  { name: 'SDV', person: 'monitor', path: () => `/participants/${seeded.participantId}/sdv` },
  { name: 'safety', person: 'safetyOfficer', path: () => '/safety' },
  { name: 'product inventory', person: 'pharmacist', path: () => '/product' },
  { name: 'storage unit', person: 'pharmacist', path: () => `/product/units/${seeded.unitId}` },
  { name: 'lot', person: 'pharmacist', path: () => `/product/lots/${seeded.lotId}` },
  { name: 'dispensing', person: 'pharmacist', path: () => '/product/dispensing' },
  { name: 'shipments', person: 'pharmacist', path: () => '/product/shipments' },
  { name: 'kits and resupply', person: 'pharmacist', path: () => '/product/kits' },
  { name: 'protocol and forms', person: 'dataManager', path: () => '/forms' },
  {
    name: 'stopping rules simulated',
    person: 'dataManager',
    path: () => '/forms',
    check: async (page) => {
      await page.getByRole('tab', { name: /Stopping rules|停止规则/ }).click();
      await page.getByRole('button', { name: /Simulate|开始模拟/ }).click();
      await expect
        .poll(() => page.getByRole('table', { name: 'related-serious-rate' }).count(), { timeout: 30_000 })
        .toBe(1);
    },
  },
  {
    name: 'protocol approvals by site',
    person: 'dataManager',
    path: () => '/forms',
    check: async (page) => {
      await page.getByRole('tab', { name: /^(Sites|中心)$/ }).click();
      await expect.poll(() => page.getByRole('tabpanel').count(), { timeout: 15_000 }).toBe(1);
    },
  },
  { name: 'randomisation', person: 'dataManager', path: () => '/randomisation' },
  { name: 'laboratory results review', person: 'dataManager', path: () => '/laboratory' },
  { name: 'coding', person: 'dataManager', path: () => '/coding' },
  { name: 'laboratory reference ranges', person: 'dataManager', path: () => '/lab-ranges' },
  { name: 'exports', person: 'dataManager', path: () => '/exports' },
  { name: 'form data import', person: 'dataManager', path: () => '/exports/import' },
  { name: 'analysis', person: 'dataManager', path: () => '/analysis' },
  {
    name: 'my account, with the TOTP set-up open',
    person: 'investigator',
    path: () => '/account',
    check: async (page) => {
      await page.getByTestId('totp-start').click();
      await expect
        .poll(() => page.getByTestId('totp-qr').locator('svg').count(), { timeout: 15_000 })
        .toBe(1);
    },
  },
  { name: 'users', person: 'admin', path: () => '/admin/users' },
  { name: 'roles', person: 'admin', path: () => '/admin/roles' },
  { name: 'sites', person: 'admin', path: () => '/admin/sites' },
  { name: 'tokens', person: 'admin', path: () => '/admin/tokens' },
  { name: 'sessions', person: 'admin', path: () => '/admin/sessions' },
  { name: 'audit trail', person: 'admin', path: () => '/admin/audit' },
];

/** Opens the page as its person in `language` at `viewport`, and fails on any axe violation. */
async function expectNoViolations(
  { person, path, check }: (typeof pages)[number],
  language: Language,
  viewport?: { width: number; height: number },
): Promise<void> {
  const key = `${person} ${language} ${viewport?.width ?? 'desktop'}`;
  if (!contexts.has(key)) contexts.set(key, browserAs(person, language, viewport));
  const context = await (contexts.get(key) as Promise<BrowserContext>);
  // A new page each time: nothing of the previous page (an open dialog, its scripts) stays.
  const page = await context.newPage();
  try {
    await open(page, path());
    await check?.(page);
    const found = await violations(page);
    expect(
      found.map((violation) => violation.id),
      describeViolations(found),
    ).toEqual([]);
  } finally {
    await page.close();
  }
}

describe.each(['en', 'zh'] as const)('WCAG 2.1 A and AA (axe-core), in %s', (language) => {
  it.each(pages)('$name, as $person', (entry) => expectNoViolations(entry, language));
});

// The pages used at the bedside and at the freezer, on a 390 × 844 tablet or phone screen, where
// the layout stacks and other elements show.
const wardPages = pages.filter((entry) =>
  ['participant', 'form (vital signs)', 'dosing', 'safety', 'dispensing'].includes(entry.name),
);

describe.each(['en', 'zh'] as const)('WCAG 2.1 A and AA (axe-core) at 390 px, in %s', (language) => {
  it('covers the ward pages', () => expect(wardPages).toHaveLength(5));

  it.each(wardPages)('$name, as $person', (entry) =>
    expectNoViolations(entry, language, { width: 390, height: 844 }),
  );
});
