import { mkdirSync, rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { apiAddAccount, apiSignIn, launchBrowser } from './browser.ts';
import { freePort } from './postgres.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { makeTestDataDir } from './test-dirs.ts';

type Headers = Record<string, string>;
const HOUR = 3_600_000;

/** The site of the browser tests' trial (the default protocol's first site) and its time zone. */
export const SITE = 'ruijin';
export const ZONE = 'Asia/Shanghai';
/** Where browser tests leave their screenshots (ignored by git). */
export const SHOTS = 'test-results';
export const TRIAL_ADMIN = { email: 'admin@example.org', password: 'a strong root secret' };
export const STAFF_PASSWORD = 'site staff password e2e';

/** The people of the browser tests' trial: the email they sign in with, the name pages show, their role. */
export const trialStaff = {
  coordinator: { email: 'coordinator@example.org', name: 'Chen Coordinator', role: 'study_coordinator' },
  investigator: { email: 'investigator@example.org', name: 'Ivy Investigator', role: 'investigator' },
  pharmacist: { email: 'pharmacist@example.org', name: 'Pia Pharmacist', role: 'pharmacist' },
  monitor: { email: 'monitor@example.org', name: 'Mo Monitor', role: 'monitor' },
  dataManager: { email: 'datamanager@example.org', name: 'Dana Manager', role: 'data_manager' },
  safetyOfficer: { email: 'safety@example.org', name: 'Sam Safety', role: 'safety_officer' },
} as const;
export type StaffMember = keyof typeof trialStaff;

/** One API call of a browser test's set-up, which must answer `status`; its JSON body. */
export async function expectApiCall(
  serverUrl: string,
  headers: Headers,
  method: string,
  path: string,
  body: unknown,
  status: number,
) {
  const response = await fetch(`${serverUrl}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.status, `${method} ${path}: ${text}`).toBe(status);
  return JSON.parse(text);
}

/** The calendar date (YYYY-MM-DD) of an instant at a site in `zone`. */
export function siteDate(at: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** eCRF field inputs from plain values. */
export const entries = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

function consentTime(zone: string, screeningDate: string): string {
  const earlier = new Date(Date.now() - 3 * HOUR);
  return (siteDate(earlier, zone) === screeningDate ? earlier : new Date()).toISOString();
}

/**
 * Screens, consents, confirms (the investigator's e-signature) and enrols a participant through the
 * API, with day 1 today at the site; by the coordinator and investigator of the trial's staff unless
 * `staff` names others.
 */
export async function enrolThroughApi(
  serverUrl: string,
  staff: { site: string; zone: string; coordinator: string; investigator: string; password: string } = {
    site: SITE,
    zone: ZONE,
    coordinator: trialStaff.coordinator.email,
    investigator: trialStaff.investigator.email,
    password: STAFF_PASSWORD,
  },
): Promise<{ participantId: string; studyNumber: string }> {
  const call = (headers: Headers, method: string, path: string, body: unknown, status: number) =>
    expectApiCall(serverUrl, headers, method, path, body, status);
  const day1 = siteDate(new Date(), staff.zone);
  const coordinator = await apiSignIn(serverUrl, staff.coordinator, staff.password);
  const { participantId } = await call(
    coordinator,
    'POST',
    '/participants',
    { siteId: staff.site, screeningDate: day1 },
    201,
  );
  await call(
    coordinator,
    'POST',
    `/participants/${participantId}/consent`,
    // Three hours ago, unless that was the day before screening at the site (consent may not precede it).
    { formVersion: '1.0', consentedAt: consentTime(staff.zone, day1), signer: 'participant' },
    201,
  );
  const assessedAt = new Date(Date.now() - 2 * HOUR).toISOString();
  for (const [formId, values] of Object.entries(eligibleScreeningForms(day1, assessedAt))) {
    await call(
      coordinator,
      'PUT',
      `/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
      { version: 0, entries: entries(values) },
      200,
    );
  }
  const investigator = await apiSignIn(serverUrl, staff.investigator, staff.password);
  await call(
    investigator,
    'POST',
    `/participants/${participantId}/eligibility/confirm`,
    { password: staff.password },
    200,
  );
  const detail = await call(coordinator, 'GET', `/participants/${participantId}`, undefined, 200);
  const enrolled = await call(
    coordinator,
    'POST',
    `/participants/${participantId}/enrol`,
    { day1Date: day1, version: detail.version },
    200,
  );
  return { participantId, studyNumber: enrolled.studyNumber };
}

/** The wall-clock text (YYYY-MM-DDTHH:MM) of an instant at a site in `zone` (the trial's site unless given). */
export function siteLocal(at: Date, zone = ZONE): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
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

/** A member of the cast, or an account of its own; `siteIds` defaults to the site, or none for study-wide roles. */
export type StaffAccount =
  | StaffMember
  | { email: string; name: string; role: string; siteIds?: string[]; password?: string };

const studyWide = new Set(['data_manager', 'safety_officer']);

export interface TrialServer {
  server: ServerProcess;
  browser: Browser;
  /** The administrator's API headers (cookie and CSRF token). */
  admin: Record<string, string>;
  /** Closes the browser, stops the server and removes its data folder. */
  close(): Promise<void>;
}

/**
 * `exotrial serve` on a fresh PGlite folder with an administrator from the environment, the `staff`
 * accounts made as in a real study (the administrator creates each and its owner replaces the first
 * password with `password`), and a browser. Every account signs in once to replace its first password
 * and the tests sign in again from several browsers within the minute the sign-in rate limit counts,
 * so that limit is raised.
 */
export async function startTrialServer(options: {
  /** Names the temporary data folder. */
  name: string;
  staff?: StaffAccount[];
  password?: string;
  admin?: { email: string; password: string };
  env?: NodeJS.ProcessEnv;
}): Promise<TrialServer> {
  const admin = options.admin ?? TRIAL_ADMIN;
  const password = options.password ?? STAFF_PASSWORD;
  const dataDir = makeTestDataDir(`exotrial-e2e-${options.name}-`);
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    server = await startServerProcess(['--port', String(await freePort()), '--data', dataDir], {
      EXOTRIAL_ADMIN_EMAIL: admin.email,
      EXOTRIAL_ADMIN_PASSWORD: admin.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
      ...options.env,
    });
    const adminHeaders = await apiSignIn(server.url, admin.email, admin.password);
    for (const entry of options.staff ?? []) {
      const account = typeof entry === 'string' ? trialStaff[entry] : entry;
      const siteIds =
        typeof entry !== 'string' && entry.siteIds
          ? entry.siteIds
          : studyWide.has(account.role)
            ? []
            : [SITE];
      await apiAddAccount(server.url, adminHeaders, {
        email: account.email,
        name: account.name,
        roles: [account.role],
        siteIds,
        password: typeof entry !== 'string' && entry.password ? entry.password : password,
      });
    }
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
    return { server, browser, admin: adminHeaders, close };
  } catch (error) {
    await close();
    throw error;
  }
}
