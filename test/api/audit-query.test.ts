import { afterAll, beforeAll, expect, it } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { addAccount } from '../support/accounts.ts';
import {
  ADMIN,
  createTestApp,
  describeEachDatabase,
  type SignedIn,
  signIn,
  type TestApp,
} from '../support/test-app.ts';

const today = new Date().toISOString().slice(0, 10);

const injections = [
  "' OR '1'='1",
  "'; DROP TABLE audit_event; --",
  "x' UNION SELECT password_hash FROM app_user --",
  '1; DELETE FROM app_user',
  "\\'; select pg_sleep(5); --",
  '%',
  '_',
  "auth.*' OR 1=1 --",
];
const filters = [
  'entityType',
  'entityId',
  'participantId',
  'actor',
  'action',
  'siteId',
  'from',
  'to',
  'beforeSeq',
  'limit',
];

describeEachDatabase('audit trail API', (kind) => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
    });
    admin = await signIn(t.app);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ADMIN.email, password: 'not the password at all' },
    });
  });
  afterAll(async () => t?.close());

  const get = (query: string, headers = admin.headers) =>
    t.app.inject({ method: 'GET', url: `/api/v1/audit?${query}`, headers });

  it('lists the trail newest first, and pages with beforeSeq', async () => {
    const first = await get('limit=2');
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json();
    expect(page.events).toHaveLength(2);
    expect(page.events[0].seq).toBeGreaterThan(page.events[1].seq);
    expect(page.total).toBeGreaterThan(2);
    const next = (await get(`limit=2&beforeSeq=${page.nextBeforeSeq}`)).json();
    expect(next.events[0].seq).toBeLessThan(page.events[1].seq);
  });

  it('filters by entity, actor, action and time', async () => {
    const me = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: admin.headers })).json()
      .user;
    const byEntity = (await get(`entityType=user&entityId=${me.userId}`)).json();
    expect(byEntity.events.length).toBeGreaterThan(0);
    expect(byEntity.events.every((event: { entityId: string }) => event.entityId === me.userId)).toBe(true);
    const byActor = (await get(`actor=${encodeURIComponent(ADMIN.email)}`)).json();
    expect(byActor.events.map((event: { action: string }) => event.action)).toContain('auth.login');
    const failed = (await get('action=auth.login_failed')).json();
    expect(failed.total).toBe(1);
    const area = (await get('action=auth.*')).json();
    expect(area.events.every((event: { action: string }) => event.action.startsWith('auth.'))).toBe(true);
    // The UTC day of the newest event, not of the clock: the events were written before this test
    // ran, possibly before midnight UTC.
    const newest = (await get('limit=1')).json().events[0];
    const day = new Date(newest.occurredAt).toISOString().slice(0, 10);
    const thatDay = (await get(`from=${day}&to=${day}`)).json();
    expect(thatDay.events.map((event: { seq: number }) => event.seq)).toContain(newest.seq);
    expect((await get('to=2000-01-01')).json().total).toBe(0);
  });

  it('answers SQL injection in every filter with 400 or an empty result, never 500, and writes nothing', async () => {
    const headBefore = (await get('limit=1')).json().events[0].seq;
    const statuses = new Map<number, number>();
    for (const filter of filters) {
      for (const value of injections) {
        const response = await get(`${filter}=${encodeURIComponent(value)}`);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect([200, 400], `${filter}=${value} → ${response.statusCode}`).toContain(response.statusCode);
        if (response.statusCode === 200) expect(response.json().events, `${filter}=${value}`).toEqual([]);
        else expect(response.json().error).toBe('validation_failed');
      }
    }
    expect(statuses.get(400)).toBeGreaterThan(0);
    const after = (await get('limit=1')).json();
    expect(after.events[0].seq).toBe(headBefore);
    const users = await t.database.read((db) => db.selectFrom('app_user').select('user_id').execute());
    expect(users).toHaveLength(1);
  });

  it('refuses a reader without audit.read and an unknown filter value type', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/audit' })).statusCode).toBe(401);
    expect((await get('limit=100000')).statusCode).toBe(400);
    expect((await get('from=yesterday')).statusCode).toBe(400);
  });
});

describeEachDatabase('audit trail of site-bound readers', (kind) => {
  let t: TestApp;
  let admin: SignedIn;
  const participants: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: ADMIN.email,
      EXOTRIAL_ADMIN_PASSWORD: ADMIN.password,
      EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
    });
    admin = await signIn(t.app);
    const post = (url: string, headers: Record<string, string>, payload: object) =>
      t.app.inject({ method: 'POST', url, headers, payload });
    for (const siteId of ['site-a', 'site-b']) {
      const site = await post('/api/v1/sites', admin.headers, {
        siteId,
        code: siteId.slice(-1).toUpperCase(),
        name: { en: siteId, zh: siteId },
        timeZone: 'UTC',
      });
      expect(site.statusCode, site.body).toBe(201);
      await addAccount(t.app, admin.headers, {
        email: `investigator-${siteId}@example.org`,
        name: siteId,
        roles: ['investigator'],
        siteIds: [siteId],
        password: 'a sufficiently long password',
      });
      const investigator = await signIn(
        t.app,
        `investigator-${siteId}@example.org`,
        'a sufficiently long password',
      );
      const screened = await post('/api/v1/participants', investigator.headers, {
        siteId,
        screeningDate: today,
      });
      expect(screened.statusCode, screened.body).toBe(201);
      const participantId = screened.json().participantId as string;
      participants[siteId] = participantId;
      const consent = await post(`/api/v1/participants/${participantId}/consent`, investigator.headers, {
        formVersion: '1.0',
        consentedAt: new Date().toISOString(),
        signer: 'participant',
      });
      expect(consent.statusCode, consent.body).toBe(201);
      const [formId, values] = Object.entries(eligibleScreeningForms(today, `${today}T08:00:00Z`))[0] ?? [];
      const form = await t.app.inject({
        method: 'PUT',
        url: `/api/v1/participants/${participantId}/visits/screening/forms/${formId}?instance=1`,
        headers: investigator.headers,
        payload: {
          version: 0,
          entries: Object.fromEntries(Object.entries(values ?? {}).map(([item, value]) => [item, { value }])),
        },
      });
      expect(form.statusCode, form.body).toBe(200);
    }
    await addAccount(t.app, admin.headers, {
      email: 'monitor@example.org',
      name: 'Monitor',
      roles: ['monitor'],
      siteIds: ['site-a'],
      password: 'a sufficiently long password',
    });
  });
  afterAll(async () => t?.close());

  it('shows a monitor the events of their site’s participants only', async () => {
    const monitor = await signIn(t.app, 'monitor@example.org', 'a sufficiently long password');
    const get = (query: string, headers: Record<string, string>) =>
      t.app.inject({ method: 'GET', url: `/api/v1/audit?${query}`, headers });
    const seen = (await get('limit=500', monitor.headers)).json().events as Array<{ entityId: string }>;
    const ids = new Set(seen.map((event) => event.entityId));
    expect(ids.has(participants['site-a'] ?? '')).toBe(true);
    expect(ids.has(participants['site-b'] ?? '')).toBe(false);
    expect(seen.every((event) => event.entityId !== ADMIN.email)).toBe(true);
    const other = await get(`participantId=${participants['site-b']}`, monitor.headers);
    expect(other.json().events).toEqual([]);
    expect((await get('siteId=site-b', monitor.headers)).statusCode).toBe(403);
    const all = (await get(`participantId=${participants['site-b']}`, admin.headers)).json();
    expect(all.events.length).toBeGreaterThan(0);
  });

  it("shows an investigator their site's whole trail (consent, form values) and nothing else", async () => {
    const investigator = await signIn(
      t.app,
      'investigator-site-a@example.org',
      'a sufficiently long password',
    );
    const get = (query: string) =>
      t.app.inject({ method: 'GET', url: `/api/v1/audit?${query}`, headers: investigator.headers });
    const seen = (await get('limit=500')).json().events as Array<{
      action: string;
      entityType: string;
      context: Record<string, unknown> | null;
    }>;
    const actions = new Set(seen.map((event) => event.action));
    for (const action of ['participant.screen', 'participant.consent', 'crf.value.enter']) {
      expect(actions.has(action), action).toBe(true);
    }
    // Every event is site A's and says so: its participants' data, or site A's own settings; no
    // site B, no users or sign-ins.
    for (const event of seen) {
      expect(event.context?.siteId, event.action).toBe('site-a');
      if (event.entityType !== 'site') {
        expect(event.context?.participantId, event.action).toBe(participants['site-a']);
      }
    }
    const everything = (
      await t.app.inject({ method: 'GET', url: '/api/v1/audit?limit=500', headers: admin.headers })
    ).json().events as Array<{ action: string; context: Record<string, unknown> | null }>;
    expect(everything.some((event) => event.context?.siteId === 'site-b')).toBe(true);
    expect(everything.some((event) => event.action === 'user.create')).toBe(true);
    // The participant page's trail: the form values are in it now, through the event's context.
    const trail = (await get(`participantId=${participants['site-a']}`)).json().events as Array<{
      entityType: string;
    }>;
    expect(trail.some((event) => event.entityType === 'form_record')).toBe(true);
    expect((await get(`participantId=${participants['site-b']}`)).json().events).toEqual([]);
    expect((await get('siteId=site-b')).statusCode).toBe(403);
  });
});
