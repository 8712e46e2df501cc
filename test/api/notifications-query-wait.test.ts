import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import {
  addPerson,
  type NotificationWorker,
  notificationRows,
  recipientsOf,
  testWorker,
} from './notification-support.ts';
import { enrolledParticipant } from './safety-support.ts';

const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);

describeEachDatabase('notifications: a query waiting longer than the reminder period', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: NotificationWorker;
  let users: TrialUsers;
  let recordId: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
      EXOTRIAL_SMTP_URL: sink.url,
    });
    users = await createTrialUsers(t);
    await addPerson(t, 'otherinvestigator', 'investigator', [users.otherSiteId]);
    const participantId = await enrolledParticipant(t, users, today);
    const record = await t.database.read((db) =>
      db
        .selectFrom('form_record')
        .select('record_id')
        .where('study_id', '=', t.studyId)
        .where('participant_id', '=', participantId)
        .where('form_id', '=', 'demographics')
        .executeTakeFirstOrThrow(),
    );
    recordId = record.record_id;
    worker = await testWorker(t.database, t.studyId, sink.url);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await sink?.close();
  });

  const waiting = async (queryId: string) =>
    recipientsOf(await notificationRows(t.database, t.studyId), 'query.waiting', queryId);

  it('an open query is told to the site’s team after 7 days, once however often the scan runs; answered, it waits on the monitor and data manager', async () => {
    const raised = await as(t.app, users.monitor).post('/api/v1/queries', {
      recordId,
      itemId: 'weight',
      text: 'Is the weight measured or estimated?',
    });
    expect(raised.statusCode, raised.body).toBe(201);
    const queryId: string = raised.json().queryId;

    await worker.runOnce(new Date(Date.now() + 6 * DAY));
    expect(await waiting(queryId)).toEqual([]);

    const later = new Date(Date.now() + 7 * DAY + 60_000);
    await worker.runOnce(later);
    await worker.runOnce(new Date(later.getTime() + DAY));
    expect(await waiting(queryId)).toEqual(['coordinator@example.org', 'investigator@example.org']);
    const mail = sink.received.find(
      (entry) => entry.recipients.includes('coordinator@example.org') && entry.subject.includes('waiting'),
    );
    expect(mail?.subject).toBe('exotrial: Query waiting 7 days: RJ-001');
    expect(mail?.text).toContain(
      'screening demographics weight has waited 7 days for an answer from the site.',
    );

    const answered = await as(t.app, users.coordinator).post(`/api/v1/queries/${queryId}/answer`, {
      text: 'Measured on admission.',
      version: raised.json().version,
    });
    expect(answered.statusCode, answered.body).toBe(200);
    await worker.runOnce(new Date(Date.now() + 3 * DAY));
    expect(await waiting(queryId)).toEqual(['coordinator@example.org', 'investigator@example.org']);
    await worker.runOnce(new Date(Date.now() + 8 * DAY));
    expect(await waiting(queryId)).toEqual([
      'coordinator@example.org',
      'datamanager@example.org',
      'investigator@example.org',
      'monitor@example.org',
    ]);
    const rows = await notificationRows(t.database, t.studyId);
    expect(rows.filter((row) => row.email === 'otherinvestigator@example.org')).toEqual([]);
  });
});
