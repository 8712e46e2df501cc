import { afterAll, beforeAll, expect, it } from 'vitest';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import {
  addPerson,
  type NotificationWorker,
  notificationRows,
  recipientsOf,
  testWorker,
} from './notification-support.ts';

const today = new Date().toISOString().slice(0, 10);
const formUrl = (participantId: string, formId: string) =>
  `/api/v1/participants/${participantId}/visits/screening/forms/${formId}?instance=1`;
const entriesOf = (values: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }]));

describeEachDatabase('notifications: eligibility waiting for the investigator’s signature', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: NotificationWorker;
  let users: TrialUsers;
  let participantId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
      EXOTRIAL_SMTP_URL: sink.url,
    });
    users = await createTrialUsers(t);
    await addPerson(t, 'subinvestigator', 'sub_investigator', [users.siteId]);
    await addPerson(t, 'otherinvestigator', 'investigator', [users.otherSiteId]);
    worker = await testWorker(t.database, t.studyId, sink.url);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await sink?.close();
  });

  const awaiting = async () =>
    recipientsOf(await notificationRows(t.database, t.studyId), 'eligibility.awaiting-signature');
  const coordinator = () => as(t.app, users.coordinator);

  it('the screening save that makes the patient eligible tells the site’s investigators once; earlier and later saves do not', async () => {
    const screened = await coordinator().post('/api/v1/participants', {
      siteId: users.siteId,
      screeningDate: today,
    });
    expect(screened.statusCode, screened.body).toBe(201);
    participantId = screened.json().participantId;
    const consent = await coordinator().post(`/api/v1/participants/${participantId}/consent`, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    expect(consent.statusCode, consent.body).toBe(201);
    const forms = Object.entries(eligibleScreeningForms(today, `${today}T08:00:00Z`));
    const [lastId, lastValues] = forms[forms.length - 1] ?? [];
    for (const [formId, values] of forms.slice(0, -1)) {
      const saved = await coordinator().put(formUrl(participantId, formId), {
        version: 0,
        entries: entriesOf(values),
      });
      expect(saved.statusCode, `${formId}: ${saved.body}`).toBe(200);
    }
    expect(await awaiting()).toEqual([]);
    const last = await coordinator().put(formUrl(participantId, lastId ?? ''), {
      version: 0,
      entries: entriesOf(lastValues ?? {}),
    });
    expect(last.statusCode, last.body).toBe(200);
    expect(await awaiting()).toEqual(['investigator@example.org', 'subinvestigator@example.org']);

    const weight = await coordinator().put(formUrl(participantId, 'demographics'), {
      version: 1,
      entries: { weight: { value: 72 } },
      reason: 'Weighed again on the ward scale.',
    });
    expect(weight.statusCode, weight.body).toBe(200);
    expect(await awaiting()).toEqual(['investigator@example.org', 'subinvestigator@example.org']);

    await worker.runOnce();
    const mail = sink.received.find(
      (entry) =>
        entry.recipients.includes('investigator@example.org') && entry.subject.includes('Eligibility'),
    );
    expect(mail?.subject).toBe('exotrial: Eligibility to confirm: RJ-S001');
    expect(mail?.text).toContain(
      'An investigator must confirm eligibility with an e-signature before enrolment.',
    );
    expect(mail?.text).toContain(`https://trial.example.org/participants/${participantId}`);
  });

  it('a change after the investigator confirmed tells them again, saying so; the investigator’s own change tells only the others', async () => {
    const investigator = as(t.app, users.investigator);
    const confirmed = await investigator.post(`/api/v1/participants/${participantId}/eligibility/confirm`, {
      password: PASSWORD,
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    const changed = await coordinator().put(formUrl(participantId, 'demographics'), {
      version: 2,
      entries: { weight: { value: 71 } },
      reason: 'Transcription error.',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await awaiting()).toEqual([
      'investigator@example.org',
      'investigator@example.org',
      'subinvestigator@example.org',
      'subinvestigator@example.org',
    ]);
    const inbox = await investigator.get('/api/v1/notifications');
    expect(inbox.json().items[0].body.en).toContain('Screening data changed after the last confirmation.');
    expect(inbox.json().items[0].body.zh).toContain('上次确认后筛选数据已更改。');

    const again = await investigator.post(`/api/v1/participants/${participantId}/eligibility/confirm`, {
      password: PASSWORD,
    });
    expect(again.statusCode, again.body).toBe(200);
    const own = await investigator.put(formUrl(participantId, 'demographics'), {
      version: 3,
      entries: { weight: { value: 70 } },
      reason: 'Back to the admission weight.',
    });
    expect(own.statusCode, own.body).toBe(200);
    const rows = await notificationRows(t.database, t.studyId);
    expect(recipientsOf(rows, 'eligibility.awaiting-signature')).toEqual([
      'investigator@example.org',
      'investigator@example.org',
      'subinvestigator@example.org',
      'subinvestigator@example.org',
      'subinvestigator@example.org',
    ]);
    expect(rows.filter((row) => row.email === 'otherinvestigator@example.org')).toEqual([]);
    expect(rows.filter((row) => row.email === 'coordinator@example.org')).toEqual([]);
  });
});
