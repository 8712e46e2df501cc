import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import { addPerson, notificationRows, recipientsOf } from './notification-support.ts';

const today = new Date().toISOString().slice(0, 10);
const demographicsUrl = (participantId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/demographics?instance=1`;

describeEachDatabase('notifications: a verified form waiting for the investigator’s signature', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let participantId: string;
  let recordId: string;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    await addPerson(t, 'subinvestigator', 'sub_investigator', [users.siteId]);
    await addPerson(t, 'otherinvestigator', 'investigator', [users.otherSiteId]);
    const screened = await as(t.app, users.coordinator).post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    const consent = await as(t.app, users.coordinator).post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    const saved = await as(t.app, users.coordinator).put(demographicsUrl(participantId), {
      version: 0,
      entries: { sex: { value: 'F' }, weight: { value: 64 }, height: { value: 162 } },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    recordId = saved.json().recordId;
  });
  afterAll(async () => {
    await t?.close();
  });

  const awaiting = async () =>
    recipientsOf(await notificationRows(t.database, t.studyId), 'form.awaiting-signature');
  const verify = (itemIds: string[]) =>
    as(t.app, users.monitor).post(`/api/v1/records/${recordId}/sdv`, { itemIds });

  it('the SDV step that verifies the last field tells the site’s investigators once', async () => {
    const partial = await verify(['sex', 'weight']);
    expect(partial.statusCode, partial.body).toBe(200);
    expect(await awaiting()).toEqual([]);

    const last = await verify(['height']);
    expect(last.statusCode, last.body).toBe(200);
    expect(await awaiting()).toEqual(['investigator@example.org', 'subinvestigator@example.org']);
    const inbox = await as(t.app, users.investigator).get('/api/v1/notifications');
    const notice = inbox
      .json()
      .items.find((item: { kind: string }) => item.kind === 'form.awaiting-signature');
    expect(notice.title.en).toBe('Form to sign: RJ-S001, Demographics');
    expect(notice.body.zh).toContain('待研究者电子签名');
    expect(notice.link).toBe(`/participants/${participantId}`);

    const again = await verify(['sex', 'weight', 'height']);
    expect(again.statusCode, again.body).toBe(200);
    expect(await awaiting()).toEqual(['investigator@example.org', 'subinvestigator@example.org']);
    const rows = await notificationRows(t.database, t.studyId);
    expect(rows.filter((row) => row.email === 'otherinvestigator@example.org')).toEqual([]);
    expect(rows.filter((row) => row.email === 'monitor@example.org')).toEqual([]);
  });

  it('a changed field must be verified again, and then tells them again; a signed form waits for nothing', async () => {
    const changed = await as(t.app, users.coordinator).put(demographicsUrl(participantId), {
      version: 1,
      entries: { weight: { value: 63 } },
      reason: 'Weighed again on the ward scale.',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await awaiting()).length).toBe(2);
    const reverified = await verify(['weight']);
    expect(reverified.statusCode, reverified.body).toBe(200);
    expect(await awaiting()).toEqual([
      'investigator@example.org',
      'investigator@example.org',
      'subinvestigator@example.org',
      'subinvestigator@example.org',
    ]);

    const signed = await as(t.app, users.investigator).post(`/api/v1/records/${recordId}/sign`, {
      password: PASSWORD,
    });
    expect(signed.statusCode, signed.body).toBe(200);
    const afterSigning = await verify(['sex']);
    expect(afterSigning.statusCode, afterSigning.body).toBe(200);
    expect((await awaiting()).length).toBe(4);
  });
});
