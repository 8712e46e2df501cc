import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';

const shipped = readFileSync('protocols/mexcovid.yaml', 'utf8');
const amended = shipped
  .replace(/^version: .*$/m, 'version: "1.1"')
  .replace('Body temperature', 'Body temperature (axillary)');
const today = new Date().toISOString().slice(0, 10);

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

    const current = await coordinator.get('/api/v1/protocol');
    expect(current.json()).toMatchObject({ versionNo: 2, label: '1.1' });
    expect((await coordinator.get(url)).json().protocolVersion).toBe(1);
    const labs = await coordinator.put(`/api/v1/participants/${participantId}/visits/screening/forms/labs`, {
      version: 0,
      entries: { creatinine: { value: 80 } },
    });
    expect(labs.json().protocolVersion).toBe(2);

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
});
