import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { en } from '../../web/src/i18n/en.ts';
import { zh } from '../../web/src/i18n/zh.ts';
import { apiSignIn, launchBrowser } from '../support/browser.ts';
import { exotrial } from '../support/cli.ts';
import { expectApiCall } from '../support/e2e-trial.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

// The screenshots of the README and docs/, taken from a synthetic trial (`exotrial demo`) in English
// and Chinese at a desktop size. They are written into docs/images/ only with
// EXOTRIAL_UPDATE_SCREENSHOTS=1; otherwise into a temporary folder, so a test run leaves the tree
// as it was while still checking that every page draws its main heading.

const UPDATE = process.env.EXOTRIAL_UPDATE_SCREENSHOTS === '1';
const VIEWPORT = { width: 1280, height: 800 };
const TIMEOUT = { timeout: 30_000 };
const dataDir = mkdtempSync(join(tmpdir(), 'exotrial-e2e-shots-'));
const outDir = UPDATE ? 'docs/images' : mkdtempSync(join(tmpdir(), 'exotrial-e2e-shots-out-'));
const staff = (name: string) => `${name}@demo.exotrial.org`;
const languages = [
  { language: 'en', locale: 'en-GB', strings: en },
  { language: 'zh', locale: 'zh-CN', strings: zh },
] as const;
type Language = (typeof languages)[number]['language'];

let server: ServerProcess;
let browser: Browser;
let protocol: Protocol;
let password = '';
/** Session cookies by demo account, signed in once through the API. */
const cookies = new Map<string, string>();
let participant = { participantId: '', studyNumber: '', doseVisit: '', formVisitKey: '', formInstance: 1 };

async function signedInCookie(account: string): Promise<string> {
  const known = cookies.get(account);
  if (known) return known;
  const headers = await apiSignIn(server.url, staff(account), password);
  const cookie = headers.cookie ?? '';
  cookies.set(account, cookie);
  return cookie;
}

/** A desktop browser window in the language's locale, signed in as the demo account. */
async function windowFor(account: string, locale: string): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: VIEWPORT, timezoneId: 'Asia/Shanghai' });
  const [name = '', value = ''] = (await signedInCookie(account)).split('=');
  await context.addCookies([{ name, value, url: server.url }]);
  return context;
}

/** A participant with a given dose: the one the participant, form and dosing screenshots show. */
async function chooseParticipant(): Promise<typeof participant> {
  const coordinator = await apiSignIn(server.url, staff('coordinator.rj'), password);
  const call = (path: string) => expectApiCall(server.url, coordinator, 'GET', path, undefined, 200);
  const enrolled = await call('/participants?status=enrolled&limit=50');
  for (const item of enrolled.items as Array<{ participantId: string; studyNumber: string }>) {
    const schedule = await call(`/participants/${item.participantId}/doses`);
    const given = (
      schedule.doses as Array<{ visitId: string; administration: { status: string } | null }>
    ).find((dose) => dose.administration?.status === 'completed');
    if (!given) continue;
    const casebook = await call(`/participants/${item.participantId}/casebook`);
    const vitals = (casebook.cells as Array<{ visitKey: string; formId: string; instance: number }>).find(
      (cell) => cell.formId === 'vitals' && cell.visitKey.startsWith(`${given.visitId}/`),
    );
    if (!vitals) continue;
    return {
      participantId: item.participantId,
      studyNumber: item.studyNumber,
      doseVisit: given.visitId,
      formVisitKey: vitals.visitKey,
      formInstance: vitals.instance,
    };
  }
  throw new Error('the demo trial has no participant with a completed dose and its vital signs');
}

interface Shot {
  name: string;
  account: string;
  path: () => string;
  heading: (language: Language) => string;
  /**
   * What else must be on the page before the picture is taken; without it, every request having
   * answered. (The Analysis page's report frame keeps a connection open, so it says what it waits for.)
   */
  ready?: (context: BrowserContext) => Promise<void>;
}

const formTitle = (formId: string, language: Language) =>
  protocol.forms.find((form) => form.id === formId)?.title[language] ?? formId;
const stringsOf = (language: Language) => (language === 'zh' ? zh : en);

const shots: Shot[] = [
  {
    name: 'overview',
    account: 'coordinator.rj',
    path: () => '/',
    heading: (l) => stringsOf(l).overview.title,
  },
  {
    name: 'participant',
    account: 'coordinator.rj',
    path: () => `/participants/${participant.participantId}`,
    heading: () => participant.studyNumber,
  },
  {
    name: 'form',
    account: 'coordinator.rj',
    path: () =>
      `/participants/${participant.participantId}/forms/vitals?visit=${encodeURIComponent(participant.formVisitKey)}&instance=${participant.formInstance}`,
    heading: (l) => formTitle('vitals', l),
  },
  {
    name: 'dosing',
    account: 'coordinator.rj',
    path: () => `/safety/dosing?participant=${participant.participantId}&visit=${participant.doseVisit}`,
    heading: (l) => stringsOf(l).dosing.title,
  },
  {
    name: 'product',
    account: 'pharmacist',
    path: () => '/product',
    heading: (l) => stringsOf(l).product.title,
  },
  { name: 'safety', account: 'safety', path: () => '/safety', heading: (l) => stringsOf(l).safety.title },
  {
    name: 'analysis',
    account: 'datamanager',
    path: () => '/analysis',
    heading: (l) => stringsOf(l).analysis.title,
    ready: async (context) => {
      const frame = context.pages()[0]?.frameLocator('[data-testid="report-frame"]');
      await expect.poll(() => frame?.locator('svg').count(), TIMEOUT).toBeGreaterThan(0);
    },
  },
];

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
  const demo = exotrial(['demo', '--subjects', '8', '--seed', '2'], { target: { kind: 'pglite', dataDir } });
  expect(demo.code, demo.stderr).toBe(0);
  password = /password: (\S+)/.exec(demo.stdout)?.[1] ?? '';
  expect(password).not.toBe('');
  server = await startServerProcess(['--port', String(await freePort()), '--data', dataDir]);
  participant = await chooseParticipant();
  browser = await launchBrowser();
  mkdirSync(outDir, { recursive: true });
  // The demo writes every record through the services (about a second a person on a quiet machine),
  // then the server starts: on a machine shared with other work this passes the default hook time.
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (!UPDATE) rmSync(outDir, { recursive: true, force: true });
});

it.each(languages.flatMap(({ language, locale }) => shots.map((shot) => ({ language, locale, shot }))))(
  '$shot.name in $language draws its heading and is photographed',
  async ({ language, locale, shot }) => {
    const context = await windowFor(shot.account, locale);
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}${shot.path()}`);
      const heading = page.getByRole('heading', { level: 2, name: shot.heading(language), exact: true });
      await expect.poll(() => heading.count(), TIMEOUT).toBe(1);
      // Wait until the page's data are in and no loader spins, so the picture shows them.
      if (shot.ready) await shot.ready(context);
      else await page.waitForLoadState('networkidle');
      await expect.poll(() => page.locator('.mantine-Loader-root').count(), TIMEOUT).toBe(0);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(
        language === 'zh' ? 'zh-CN' : 'en',
      );
      const file = join(outDir, `${shot.name}-${language}.png`);
      await page.screenshot({ path: file, type: 'png' });
      expect(pngSize(file)).toEqual(VIEWPORT);
    } finally {
      await context.close();
    }
  },
);
