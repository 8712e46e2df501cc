import type { LightMyRequestResponse } from 'fastify';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { exportAuditTrail } from '../../src/audit/export.ts';
import { type RouteEntry, routeTable } from '../../src/kernel/authentication.ts';
import { can } from '../../src/kernel/permissions.ts';
import { type Role, roles } from '../../src/kernel/roles.ts';
import { loadProtocolFile } from '../../src/protocol/load.ts';
import { ADMIN, describeEachDatabase, type SignedIn, signIn } from '../support/test-app.ts';
import { as, PASSWORD } from '../support/trial-users.ts';
import { personIn, type RandomisedStudy, randomisedStudy, rctProtocol } from './blinding-support.ts';

// The blind (ICH E9 §2.3.2): over a randomised study with participants of both arms, every GET route
// of the app, called as each blinded role with the real ids of the study, answers without an arm.
// The unblinded roles are asked the same question and must see the arm, so the check can fail.
// One participant is unblinded in an emergency first: only that participant's allocation opens,
// and only to the investigators of the site; every other answer stays blind.

// The walk reads what a casebook PDF would print: its HTML, handed back as the PDF's bytes instead
// of launching a Chromium for each of the PDFs the walk asks for (most of the walk's time otherwise,
// with the PDFs' text unread). test/api/casebook-pdf.test.ts prints real ones.
const printed = vi.hoisted(() => ({ pages: 0 }));
vi.mock('../../src/report/report.pdf.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/report/report.pdf.ts')>()),
  htmlToPdf: async (html: string) => {
    printed.pages += 1;
    return Buffer.from(html, 'utf8');
  },
}));

// Every role that may not read the randomisation list is blinded, a role added later included.
const blindedRoles: Role[] = roles.filter((role) => !can({ roles: [role] }, 'randomisation.view-list'));

/**
 * The routes that describe the trial's design, where naming the arms is the point (the protocol, its
 * versions and source, the blank CRF): they say which arms exist, never who is in which.
 */
const designRoutes = new Set([
  '/api/v1/protocol',
  '/api/v1/protocol/versions',
  '/api/v1/protocol/versions/:versionNo',
  '/api/v1/protocol/versions/:versionNo/source',
  '/api/v1/protocol/crf-blank.pdf',
]);
/** SDTM trial-design data sets (TA, TE, TS, TV) and define.xml describe the arms, as the protocol does. */
const designFiles = /(^|\/)(ta|te|ts|tv)\.(csv|xpt)$|define\.xml$/i;

/** An arm's id as a word (not "placebo-controlled"), in any case (SDTM writes ARMCD upper case), and its names. */
function armPatterns(arms: Array<{ id: string; name: { en: string; zh: string } }>): RegExp[] {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return arms.flatMap((arm) => [
    new RegExp(`(?<![\\w-])${literal(arm.id)}(?![\\w-])`, 'i'),
    new RegExp(literal(arm.name.en), 'i'),
    new RegExp(literal(arm.name.zh)),
  ]);
}

/** The readable text of a response: a ZIP's files (design files left out) or the body as text. */
function textsOf(response: LightMyRequestResponse): Array<{ name: string; text: string }> {
  const type = String(response.headers['content-type'] ?? '');
  if (type.includes('zip')) {
    const files = unzipSync(new Uint8Array(response.rawPayload));
    return Object.entries(files)
      .filter(([name]) => !designFiles.test(name))
      .map(([name, bytes]) => ({ name, text: Buffer.from(bytes).toString('utf8') }));
  }
  // XPT and CSV are plain bytes: latin1 keeps every byte, so an ASCII arm code is found either way.
  return [{ name: '', text: response.rawPayload.toString(type.includes('xport') ? 'latin1' : 'utf8') }];
}

describeEachDatabase('blinding', (kind) => {
  let study: RandomisedStudy;
  let patterns: RegExp[];
  const people = new Map<Role, SignedIn>();
  const figures = { routes: 0, calls: 0, ok: 0, pdfsRead: 0, opened: 0 };
  const emergencyUnblinded = () => study.allocated[0]?.participantId ?? '';
  /** The one answer a blinded role may see an arm in: the emergency-unblinded participant's allocation, to the site's investigators. */
  const openedByEmergency = (role: Role, url: string) =>
    (role === 'investigator' || role === 'sub_investigator') &&
    url === `/api/v1/participants/${emergencyUnblinded()}/allocation`;

  beforeAll(async () => {
    study = await randomisedStudy(kind, 4);
    const parsed = await loadProtocolFile(rctProtocol);
    if (!parsed.ok) throw new Error('the randomised example does not load');
    patterns = armPatterns(parsed.protocol.study.design.arms);
    expect(patterns).toHaveLength(6);
    const { t, users } = study;
    people.set('investigator', users.investigator);
    people.set('study_coordinator', users.coordinator);
    people.set('monitor', users.monitor);
    people.set('data_manager', users.dataManager);
    people.set('administrator', await signIn(t.app, ADMIN.email, ADMIN.password));
    people.set('statistician', study.statistician);
    for (const role of roles) {
      if (!people.has(role)) people.set(role, await personIn(t, role, users.siteId));
    }
    const unblinded = await as(t.app, users.investigator).post(
      `/api/v1/participants/${emergencyUnblinded()}/unblinding`,
      { reason: 'Anaphylaxis', password: PASSWORD },
    );
    expect(unblinded.statusCode, unblinded.body).toBe(200);
  }, 300_000);
  afterAll(async () => {
    console.info(
      `[${kind}] blinding walk: ${figures.routes} GET routes × ${blindedRoles.length} blinded roles, ${figures.calls} calls (${figures.ok} answered 200), ${figures.pdfsRead} PDF answers read as the HTML they print, ${figures.opened} opened by the emergency unblinding`,
    );
    await study?.t.close();
  });

  /** The real ids of the randomised study for each path parameter, and readable forms of exports. */
  async function urlsOf(route: RouteEntry): Promise<string[]> {
    const { t, users, allocated } = study;
    const participantId = allocated[0]?.participantId ?? '';
    const record = await t.database.read((db) =>
      db
        .selectFrom('form_record')
        .select(['visit_id', 'form_id'])
        .where('study_id', '=', t.studyId)
        .where('participant_id', '=', participantId)
        .executeTakeFirstOrThrow(),
    );
    const values: Record<string, string> = {
      participantId,
      siteId: users.siteId,
      visitKey: record.visit_id,
      formId: record.form_id,
      versionNo: '1',
      domain: 'dm',
      dictionary: 'meddra',
    };
    const filled = route.url.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'unknown');
    const urls = [filled];
    if (route.url === '/api/v1/exports/sdtm' || route.url === '/api/v1/exports/sdtm/:domain') {
      urls.push(`${filled}?format=csv`);
    }
    if (route.url === '/api/v1/audit') urls.push(`${filled}?limit=500`);
    if (route.url.includes(':participantId')) {
      // A participant of the other arm too: a leak may show one arm only (a kit type, a regimen).
      const other = allocated.find((entry) => entry.arm !== allocated[0]?.arm);
      if (other) urls.push(filled.replace(participantId, other.participantId));
    }
    return urls;
  }

  const getRoutes = () =>
    routeTable(study.t.app).filter(
      (route) => route.method === 'GET' && route.url.startsWith('/api/v1/') && !route.config.public,
    );

  const leaksIn = (response: LightMyRequestResponse): string[] =>
    textsOf(response).flatMap(({ name, text }) =>
      patterns.filter((pattern) => pattern.test(text)).map((pattern) => `${name} ${pattern.source}`),
    );

  it('shows no arm to any blinded role on any GET route, in answers and errors alike', async () => {
    const leaks: string[] = [];
    const routes = getRoutes().filter((route) => !designRoutes.has(route.url));
    figures.routes = routes.length;
    expect(routes.length).toBeGreaterThan(60);
    // The same URLs for every role: the study's ids do not change during the walk.
    const printedBefore = printed.pages;
    const urls: string[] = [];
    for (const route of routes) urls.push(...(await urlsOf(route)));
    for (const role of blindedRoles) {
      const person = people.get(role);
      if (!person) throw new Error(`no ${role}`);
      for (const url of urls) {
        const response = await as(study.t.app, person).get(url);
        figures.calls += 1;
        if (response.statusCode === 200) figures.ok += 1;
        if (String(response.headers['content-type']).includes('pdf')) figures.pdfsRead += 1;
        if (openedByEmergency(role, url)) {
          expect(response.json().arm, `${role} after the emergency unblinding`).toBeDefined();
          figures.opened += 1;
          continue;
        }
        for (const leak of leaksIn(response))
          leaks.push(`${role} GET ${url} → ${response.statusCode}: ${leak}`);
      }
    }
    expect(leaks).toEqual([]);
    // The casebook PDFs were printed (through the stand-in above) and read.
    expect(figures.pdfsRead).toBeGreaterThan(0);
    expect(printed.pages - printedBefore).toBe(figures.pdfsRead);
    // The walk reached the participants' records, not only refusals.
    expect(figures.ok).toBeGreaterThan(blindedRoles.length * 10);
    expect(figures.opened).toBe(2);
  }, 600_000);

  it('keeps the arms out of the audit trail export', async () => {
    for (const format of ['csv', 'json'] as const) {
      let text = '';
      for await (const chunk of exportAuditTrail(study.t.database, study.t.studyId, format)) text += chunk;
      expect(text).toContain('randomisation.allocate');
      expect(patterns.filter((pattern) => pattern.test(text)).map((pattern) => pattern.source)).toEqual([]);
    }
  });

  describe('the unblinded roles', () => {
    it.each([['unblinded_pharmacist' as const], ['dsmb' as const]])(
      '%s holds the randomisation list permission and sees the list',
      async (role) => {
        expect(can({ roles: [role] }, 'randomisation.view-list')).toBe(true);
        const person = people.get(role);
        if (!person) throw new Error(`no ${role}`);
        const list = await as(study.t.app, person).get('/api/v1/randomisation/list');
        expect(list.statusCode, list.body).toBe(200);
        expect(leaksIn(list).length).toBeGreaterThan(0);
      },
    );

    it('shows an unblinded pharmacist of another site the list but not who was allocated at this one', async () => {
      const elsewhere = await personIn(
        study.t,
        'unblinded_pharmacist',
        study.users.otherSiteId,
        'pharmacist-u-elsewhere@example.org',
      );
      const list = await as(study.t.app, elsewhere).get('/api/v1/randomisation/list');
      expect(list.statusCode, list.body).toBe(200);
      const { entries, allocationsMade } = list.json();
      expect(allocationsMade).toEqual([]);
      const taken = entries.filter((entry: { taken: boolean }) => entry.taken);
      expect(taken).toHaveLength(study.allocated.length);
      expect(taken.every((entry: { allocatedTo: string | null }) => entry.allocatedTo === null)).toBe(true);
      // The statistician, who sees every site, reads who took each entry.
      const all = (await as(study.t.app, study.statistician).get('/api/v1/randomisation/list')).json();
      expect(all.allocationsMade).toHaveLength(study.allocated.length);
    });

    it("shows the unblinded pharmacist each participant's arm, which the walk's check finds", async () => {
      const person = people.get('unblinded_pharmacist');
      if (!person) throw new Error('no unblinded pharmacist');
      for (const { participantId, arm } of study.allocated) {
        const view = await as(study.t.app, person).get(`/api/v1/participants/${participantId}/allocation`);
        expect(view.json().arm).toBe(arm);
        expect(leaksIn(view).length).toBeGreaterThan(0);
      }
    });
  });
});
