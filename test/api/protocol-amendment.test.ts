import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { createTestApp, describeEachDatabase, signIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';

const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const amended = shipped
  .replace(/^version: .*$/m, 'version: "1.1"')
  .replace('Body temperature', 'Body temperature (axillary)');
const today = new Date().toISOString().slice(0, 10);
/** The amended file with a second site of its own, as a new version 1.2. */
const withNewSite = amended
  .replace(/^version: .*$/m, 'version: "1.2"')
  .replace(
    /^ {2}relatedStudies:$/m,
    [
      '    - id: huashan',
      '      code: HS',
      '      name:',
      '        en: Huashan Hospital, Shanghai',
      '        zh: 复旦大学附属华山医院（上海）',
      '      timeZone: Asia/Shanghai',
      '      country: CN',
      '  relatedStudies:',
    ].join('\n'),
  );
/** Nested aliases that would expand to 9^9 strings ("billion laughs"). */
const aliasBomb = [
  'study:',
  '  id: mexcovid',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, index) => {
    const previous = 'abcdefgh'[index];
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
  }),
].join('\n');

describeEachDatabase('protocol amendments', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
  });
  afterAll(async () => t?.close());

  it('refuses amendments from roles without protocol.manage', async () => {
    const response = await as(t.app, users.coordinator).post('/api/v1/protocol/versions', {
      source: amended,
      reason: 'x',
    });
    expect(response.statusCode).toBe(403);
  });

  it('refuses an invalid file with each problem and its line, and saves nothing', async () => {
    const broken = shipped.replace('plannedEnrolment: 30', 'plannedEnrolment: thirty');
    const response = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: broken,
      reason: 'typo',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.fields[0]).toMatchObject({
      field: 'study.plannedEnrolment',
      message: expect.stringMatching(/^line \d+:/),
    });
    const check = await as(t.app, users.dataManager).post('/api/v1/protocol/validate', { source: broken });
    expect(check.json()).toMatchObject({
      ok: false,
      problems: [{ path: 'study.plannedEnrolment', line: expect.any(Number) }],
    });
    const versions = await as(t.app, users.dataManager).get('/api/v1/protocol/versions');
    expect(versions.json()).toHaveLength(1);
  });

  it('refuses the unchanged file and a file of another study', async () => {
    const dataManager = as(t.app, users.dataManager);
    expect(
      (await dataManager.post('/api/v1/protocol/versions', { source: shipped, reason: 'x' })).statusCode,
    ).toBe(409);
    const other = amended.replace(/^ {2}id: mexcovid$/m, '  id: another-study');
    const otherResponse = await dataManager.post('/api/v1/protocol/versions', { source: other, reason: 'x' });
    expect(otherResponse.statusCode).toBe(400);
    expect(otherResponse.json().details.fields[0].field).toBe('study.id');
  });

  it('makes a valid file the next version; data entered before keeps its version', async () => {
    const coordinator = as(t.app, users.coordinator);
    const screened = await coordinator.post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    const participantId = screened.json().participantId;
    await coordinator.post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: new Date().toISOString(),
      signer: 'participant',
    });
    const demographics = eligibleScreeningForms(today, `${today}T08:00:00Z`).demographics ?? {};
    const url = `/api/v1/participants/${participantId}/visits/screening/forms/demographics`;
    const before = await coordinator.put(url, {
      version: 0,
      entries: Object.fromEntries(Object.entries(demographics).map(([k, v]) => [k, { value: v }])),
    });
    expect(before.json().protocolVersion).toBe(1);

    const response = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: amended,
      reason: 'Amendment 1: temperature site',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ versionNo: 2, label: '1.1', current: true });
    // Who loaded each version is named as people read it; the first came from the server's start.
    const versions = (await coordinator.get('/api/v1/protocol/versions')).json();
    expect(versions[1]).toMatchObject({ loadedBy: 'datamanager@example.org', loadedByName: 'Datamanager' });
    expect(response.json()).toMatchObject({ loadedByName: 'Datamanager' });
    expect(versions[0].loadedByName).toBe(versions[0].loadedBy);
    expect(versions[0].loadedBy).not.toContain('@');

    const current = await coordinator.get('/api/v1/protocol');
    expect(current.json()).toMatchObject({ versionNo: 2, label: '1.1' });
    expect((await coordinator.get(url)).json().protocolVersion).toBe(1);
    // New data at the site follow the amendment once the site's ethics approval is recorded.
    const approval = await as(t.app, users.dataManager).post('/api/v1/protocol/versions/2/approvals', {
      siteId: users.siteId,
      approvedOn: today,
    });
    expect(approval.statusCode, approval.body).toBe(201);
    const labs = await coordinator.put(`/api/v1/participants/${participantId}/visits/screening/forms/labs`, {
      version: 0,
      entries: { creatinine: { value: 80 } },
    });
    expect(labs.json().protocolVersion).toBe(2);
    // A query names the version its record was entered under, whichever version is current.
    const monitor = as(t.app, users.monitor);
    const raised = [];
    for (const [record, itemId] of [
      [before, Object.keys(demographics)[0] ?? ''],
      [labs, 'creatinine'],
    ] as const) {
      const query = await monitor.post('/api/v1/queries', {
        recordId: record.json().recordId,
        itemId,
        text: 'Please check against the source.',
      });
      expect(query.statusCode, query.body).toBe(201);
      raised.push(query.json());
    }
    expect(raised.map((query) => query.protocolVersion)).toEqual([1, 2]);
    const inbox = (await monitor.get(`/api/v1/queries?participantId=${participantId}`)).json();
    expect(
      Object.fromEntries(
        inbox.items.map((query: { formId: string; protocolVersion: number }) => [
          query.formId,
          query.protocolVersion,
        ]),
      ),
    ).toEqual({ demographics: 1, labs: 2 });
    // The audit trail names the version each form record was entered under, null for other entities.
    const auditPage = (await monitor.get(`/api/v1/audit?participantId=${participantId}&limit=500`)).json();
    const versionOf = (recordId: string) =>
      new Set(
        auditPage.events
          .filter((event: { entityId: string }) => event.entityId === recordId)
          .map((event: { protocolVersion: number | null }) => event.protocolVersion),
      );
    expect(versionOf(before.json().recordId)).toEqual(new Set([1]));
    expect(versionOf(labs.json().recordId)).toEqual(new Set([2]));
    expect(versionOf(participantId)).toEqual(new Set([null]));
    const view = (await coordinator.get(url)).json();
    expect(view.queries.map((query: { protocolVersion: number }) => query.protocolVersion)).toEqual([1]);

    const source = await coordinator.get('/api/v1/protocol/versions/1/source');
    expect(source.headers['content-type']).toContain('yaml');
    expect(source.body).toBe(shipped);
    const trail = await t.database.read((db) =>
      db.selectFrom('audit_event').selectAll().where('action', '=', 'protocol.amend').execute(),
    );
    expect(trail).toEqual([
      expect.objectContaining({
        reason: 'Amendment 1: temperature site',
        new_value: { version: 2, label: '1.1' },
      }),
    ]);
  });

  it('answers an alias bomb or unreadable YAML with a 400 naming the line, never a 500, and saves nothing', async () => {
    const dataManager = as(t.app, users.dataManager);
    const versionsBefore = (await dataManager.get('/api/v1/protocol/versions')).json().length;
    for (const source of [aliasBomb, 'study: [unclosed', 'a: &x 1\nb: *missing']) {
      const response = await dataManager.post('/api/v1/protocol/versions', { source, reason: 'attack' });
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toBe('validation_failed');
      expect(response.json().details.fields[0].field).toBe('(yaml)');
    }
    const bomb = await dataManager.post('/api/v1/protocol/versions', { source: aliasBomb, reason: 'attack' });
    expect(bomb.json().details.fields[0].message).toMatch(/^line 4: .*aliases .* more than 1000 copies/);
    // Checking a file answers its problems (ok: false) rather than an error, like any invalid file.
    const check = await dataManager.post('/api/v1/protocol/validate', { source: aliasBomb });
    expect(check.statusCode).toBe(200);
    expect(check.json()).toMatchObject({
      ok: false,
      problems: [{ path: '(yaml)', line: 4, message: expect.stringContaining('aliases') }],
    });
    expect((await dataManager.get('/api/v1/protocol/versions')).json()).toHaveLength(versionsBefore);
  });

  it('refuses an amendment that adds a site unless its author holds site.manage, naming the site; nothing written', async () => {
    const headBefore = await auditHead();
    const refused = await as(t.app, users.dataManager).post('/api/v1/protocol/versions', {
      source: withNewSite,
      reason: 'Amendment 2: a second site',
    });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({
      error: 'forbidden',
      message: expect.stringMatching(/huashan.*site\.manage/),
    });
    expect(await auditHead()).toBe(headBefore);
    expect(await siteIds()).not.toContain('huashan');
    expect((await as(t.app, users.dataManager).get('/api/v1/protocol')).json().label).toBe('1.1');

    await t.database.transaction((trx) =>
      createUser(trx, t.studyId, systemActor('test'), {
        email: 'sites-and-protocol@example.org',
        name: 'Sites And Protocol',
        roles: ['data_manager', 'administrator'],
        siteIds: [],
        password: PASSWORD,
      }),
    );
    const administrator = await signIn(t.app, 'sites-and-protocol@example.org', PASSWORD);
    const accepted = await as(t.app, administrator).post('/api/v1/protocol/versions', {
      source: withNewSite,
      reason: 'Amendment 2: a second site',
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(await siteIds()).toContain('huashan');
  });

  async function auditHead(): Promise<number> {
    const head = await t.database.read((db) =>
      db
        .selectFrom('audit_chain_head')
        .select('seq')
        .where('study_id', '=', t.studyId)
        .executeTakeFirstOrThrow(),
    );
    return Number(head.seq);
  }

  async function siteIds(): Promise<string[]> {
    const rows = await t.database.read((db) =>
      db.selectFrom('site').select('site_id').where('study_id', '=', t.studyId).execute(),
    );
    return rows.map((row) => row.site_id);
  }
});
