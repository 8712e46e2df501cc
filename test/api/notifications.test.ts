import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify } from '../../src/notifications/notify.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import {
  addPerson,
  deliveryRows,
  type NotificationWorker,
  notificationRows,
  recipientsOf,
  testWorker,
} from './notification-support.ts';
import { createLot, createPharmacists, createUnit } from './product-fixtures.ts';
import { createSafetyOfficer, enrolledParticipant, fields, shanghaiLocal } from './safety-support.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const today = new Date().toISOString().slice(0, 10);

describeEachDatabase('notifications: who hears of what, inbox, choices, clocks, retries', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: NotificationWorker;
  let users: TrialUsers;
  let officer: SignedIn;
  let participantId: string;
  let saeId: string;
  let awareAt: Date;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
      EXOTRIAL_SMTP_URL: sink.url,
    });
    users = await createTrialUsers(t);
    officer = await createSafetyOfficer(t);
    await addPerson(t, 'otherinvestigator', 'investigator', [users.otherSiteId]);
    participantId = await enrolledParticipant(t, users, today);
    worker = await testWorker(t.database, t.studyId, sink.url);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await sink?.close();
  });

  const rows = () => notificationRows(t.database, t.studyId);
  const mailsTo = (address: string) => sink.received.filter((mail) => mail.recipients.includes(address));
  const aeUrl = () => `/api/v1/participants/${participantId}/adverse-events`;
  const serious = (aware: Date) => ({
    term: 'Pneumonia',
    onsetAt: shanghaiLocal(new Date(aware.getTime() - HOUR)),
    ongoing: true,
    grade: 3,
    serious: true,
    seriousnessCriteria: ['hospitalisation'],
    awareAt: shanghaiLocal(aware),
    inhalationAssociated: false,
    actionTaken: 'none',
    outcome: 'recovering',
  });

  it('an SAE recorded by the coordinator reaches the site’s investigator and monitor and the safety officer, each in their own language, in the app and by e-mail', async () => {
    const language = await as(t.app, officer).put('/api/v1/notifications/preferences', { language: 'zh' });
    expect(language.statusCode, language.body).toBe(200);
    expect(language.json().language).toBe('zh');
    awareAt = new Date(Date.now() - 2 * HOUR);
    awareAt.setUTCSeconds(0, 0);
    const created = await as(t.app, users.coordinator).post(aeUrl(), { entries: fields(serious(awareAt)) });
    expect(created.statusCode, created.body).toBe(201);
    saeId = created.json().aeId;
    expect(recipientsOf(await rows(), 'sae.reported', saeId)).toEqual([
      'investigator@example.org',
      'monitor@example.org',
      'safety@example.org',
    ]);
    const pass = await worker.runOnce();
    // The three of the SAE, and the investigator's of the eligibility the enrolment awaited.
    expect(pass.sent).toBe(4);
    expect(mailsTo('investigator@example.org').map((mail) => mail.subject.split(':')[1]?.trim())).toEqual(
      expect.arrayContaining(['Eligibility to confirm', 'Serious adverse event']),
    );
    const english = mailsTo('investigator@example.org').find((mail) => mail.subject.includes('Serious'));
    expect(english?.subject).toMatch(/^exotrial: Serious adverse event: /);
    expect(english?.text).toContain('The report to the sponsor is due by');
    expect(english?.text).toContain(`https://trial.example.org/safety?tab=events&ae=${saeId}`);
    expect(english?.from).toBe('trial@example.org');
    const [chinese] = mailsTo('safety@example.org');
    expect(chinese?.subject).toContain('严重不良事件');
    expect(chinese?.text).toContain('须在');
    expect(mailsTo('othercoordinator@example.org')).toEqual([]);
    expect(mailsTo('otherinvestigator@example.org')).toEqual([]);
    const deliveries = (await deliveryRows(t.database, t.studyId)).filter(
      (row) => row.event_key === `sae:${saeId}`,
    );
    expect(deliveries.map((row) => [row.status, row.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(deliveries.every((row) => row.outcome?.startsWith('250'))).toBe(true);
  });

  it('saving the same event again tells nobody again', async () => {
    const before = (await rows()).length;
    const current = await as(t.app, users.coordinator).get(`/api/v1/adverse-events/${saeId}`);
    const saved = await as(t.app, users.coordinator).put(`/api/v1/adverse-events/${saeId}`, {
      version: current.json().version,
      entries: fields({ actionTaken: 'none', outcome: 'recovering', ongoing: true, term: 'Lobar pneumonia' }),
      reason: 'More precise term',
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await rows()).length).toBe(before);
  });

  it('the clock scan: a report due within 4 hours, then overdue, is told once per clock and stage at the time the scan is given', async () => {
    const sponsorDeadline = awareAt.getTime() + 24 * HOUR;
    const early = await worker.runOnce(new Date(sponsorDeadline - 5 * HOUR));
    expect(recipientsOf(await rows(), 'clock.due-soon', saeId)).toEqual([]);
    expect(early.notified).toBe(0);
    const dueSoon = await worker.runOnce(new Date(sponsorDeadline - 4 * HOUR + MINUTE));
    expect(recipientsOf(await rows(), 'clock.due-soon', saeId)).toEqual([
      'coordinator@example.org',
      'investigator@example.org',
      'safety@example.org',
    ]);
    expect(dueSoon.notified).toBeGreaterThanOrEqual(3);
    const again = await worker.runOnce(new Date(sponsorDeadline - 3 * HOUR));
    expect(recipientsOf(await rows(), 'clock.due-soon', saeId)).toHaveLength(3);
    expect(again.notified).toBe(0);
    await worker.runOnce(new Date(sponsorDeadline + MINUTE));
    expect(recipientsOf(await rows(), 'clock.overdue', saeId)).toEqual([
      'coordinator@example.org',
      'investigator@example.org',
      'safety@example.org',
    ]);
    const overdue = mailsTo('coordinator@example.org').find((mail) =>
      mail.subject.startsWith('exotrial: Report overdue'),
    );
    expect(overdue?.text).toContain('(Asia/Shanghai)');
  });

  it('the inbox: newest first with an unread count; one or all marked read; another person’s is not found', async () => {
    const monitor = as(t.app, users.monitor);
    const inbox = await monitor.get('/api/v1/notifications');
    expect(inbox.statusCode, inbox.body).toBe(200);
    expect(inbox.json()).toMatchObject({ total: 1, unread: 1 });
    const [item] = inbox.json().items;
    expect(item).toMatchObject({
      kind: 'sae.reported',
      readAt: null,
      email: 'sent',
      link: `/safety?tab=events&ae=${saeId}`,
    });
    expect(item.title.zh).toContain('严重不良事件');
    const stranger = await as(t.app, users.investigator).post(
      `/api/v1/notifications/${item.notificationId}/read`,
    );
    expect(stranger.statusCode).toBe(404);
    const read = await monitor.post(`/api/v1/notifications/${item.notificationId}/read`);
    expect(read.json()).toEqual({ marked: 1, unread: 0 });
    expect((await monitor.get('/api/v1/notifications/unread-count')).json()).toEqual({ unread: 0 });
    // The investigator also has the clock's two stages (due soon, overdue) and the eligibility to confirm.
    expect((await as(t.app, users.investigator).get('/api/v1/notifications/unread-count')).json()).toEqual({
      unread: 4,
    });
    const all = await as(t.app, users.investigator).post('/api/v1/notifications/read-all');
    expect(all.json()).toEqual({ marked: 4, unread: 0 });
    const unread = await monitor.get('/api/v1/notifications?unread=true');
    expect(unread.json()).toMatchObject({ total: 0, items: [] });
    expect((await monitor.get('/api/v1/notifications')).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/notifications' })).statusCode).toBe(401);
  });

  it('choices: a reporting clock cannot be switched off or delayed (400, nothing saved); other kinds can be', async () => {
    const investigator = as(t.app, users.investigator);
    const refused = await investigator.put('/api/v1/notifications/preferences', {
      kinds: { 'dosing.paused': 'in-app', 'sae.reported': 'in-app', 'clock.overdue': 'digest' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().details.fields.map((field: { field: string }) => field.field)).toEqual([
      'kinds.sae.reported',
      'kinds.clock.overdue',
    ]);
    const unchanged = await investigator.get('/api/v1/notifications/preferences');
    expect(
      unchanged.json().kinds.find((entry: { kind: string }) => entry.kind === 'dosing.paused').mode,
    ).toBe('immediately');
    const unknown = await investigator.put('/api/v1/notifications/preferences', {
      kinds: { 'coffee.ready': 'in-app' },
    });
    expect(unknown.statusCode).toBe(400);
    const saved = await investigator.put('/api/v1/notifications/preferences', {
      kinds: { 'dosing.paused': 'in-app' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ language: 'en', emailConfigured: true });
    expect(saved.json().kinds).toContainEqual({ kind: 'dosing.paused', mode: 'in-app', locked: false });
    expect(saved.json().kinds).toContainEqual({ kind: 'sae.reported', mode: 'immediately', locked: true });
    const digest = await as(t.app, users.coordinator).put('/api/v1/notifications/preferences', {
      kinds: { 'dosing.paused': 'digest' },
    });
    expect(digest.statusCode, digest.body).toBe(200);
  });

  it('dosing paused by the safety officer reaches everyone who doses, at every site, as each chose; the officer is not told of their own act', async () => {
    const paused = await as(t.app, officer).post('/api/v1/safety/pauses', { reason: 'Signal under review' });
    expect(paused.statusCode, paused.body).toBe(201);
    const pauseId: string = paused.json().pauseId;
    expect(recipientsOf(await rows(), 'dosing.paused', pauseId)).toEqual([
      'coordinator@example.org',
      'investigator@example.org',
      'othercoordinator@example.org',
      'otherinvestigator@example.org',
    ]);
    const deliveries = (await deliveryRows(t.database, t.studyId)).filter(
      (row) => row.event_key === `pause:${pauseId}`,
    );
    // The investigator chose in-app only: no e-mail. The coordinator chose the digest: 08:00 at the site.
    expect(deliveries).toHaveLength(3);
    const digest = deliveries.find((row) => row.mode === 'digest');
    expect(digest).toBeDefined();
    const digestAt = new Date(digest?.next_attempt_at ?? 0);
    expect(new Date(digestAt.getTime() + 8 * HOUR).toISOString().slice(11, 16)).toBe('08:00');
    expect(digestAt.getTime() - Date.now()).toBeLessThanOrEqual(24 * HOUR);
    const now = new Date();
    const pass = await worker.runOnce(now);
    expect(pass.sent).toBe(2);
    expect(mailsTo('investigator@example.org').some((mail) => mail.subject.includes('Dosing paused'))).toBe(
      false,
    );
    const digests = () =>
      mailsTo('coordinator@example.org').filter((mail) => mail.subject.endsWith(' notifications'));
    expect(digests()).toEqual([]);
    const morning = await worker.runOnce(new Date(digestAt.getTime() + 1000));
    expect(morning.sent).toBe(1);
    const [summary] = digests();
    expect(summary?.subject).toBe('exotrial: 1 notifications');
    expect(summary?.text).toContain('• Dosing paused study-wide');
    const resumed = await as(t.app, officer).post(`/api/v1/safety/pauses/${pauseId}/resume`, {
      version: 1,
      reason: 'Reviewed: not related',
    });
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(recipientsOf(await rows(), 'dosing.resumed', pauseId)).toHaveLength(4);
  });

  it('a related grade 4 SUSAR trips the stopping rule: the pause and the rule reach the reporting investigator too, and the SUSAR clock the safety officer', async () => {
    const aware = new Date(Date.now() - HOUR);
    aware.setUTCSeconds(0, 0);
    const created = await as(t.app, users.investigator).post(aeUrl(), {
      entries: fields({
        ...serious(aware),
        term: 'Bronchospasm',
        grade: 4,
        causality: 'possible',
        expected: false,
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().trippedRules).toContain('related-grade-4');
    const all = await rows();
    const ruleRecipients = recipientsOf(all, 'stopping-rule.tripped');
    expect(ruleRecipients).toEqual([
      'investigator@example.org',
      'otherinvestigator@example.org',
      'safety@example.org',
    ]);
    expect(
      recipientsOf(all, 'dosing.paused').filter((email) => email === 'investigator@example.org'),
    ).toHaveLength(2);
    const aeId: string = created.json().aeId;
    // The reporting investigator is not told of their own report; a sponsor's clock is the safety officer's.
    expect(recipientsOf(all, 'susar.clock', aeId)).toEqual(['safety@example.org']);
    expect(recipientsOf(all, 'sae.reported', aeId)).toEqual(['monitor@example.org', 'safety@example.org']);
    await worker.runOnce();
    const rule = mailsTo('safety@example.org').find((mail) => mail.subject.includes('related-grade-4'));
    expect(rule?.text).toContain('≥ 4 级');
  });

  it('a query the monitor raises reaches the site’s team; the site’s answer reaches the monitor and the data managers', async () => {
    const raised = await as(t.app, users.monitor).post('/api/v1/queries', {
      recordId: saeId,
      itemId: 'term',
      text: 'Please give the side of the pneumonia.',
    });
    expect(raised.statusCode, raised.body).toBe(201);
    const queryId: string = raised.json().queryId;
    expect(recipientsOf(await rows(), 'query.opened', queryId)).toEqual([
      'coordinator@example.org',
      'investigator@example.org',
    ]);
    const answered = await as(t.app, users.coordinator).post(`/api/v1/queries/${queryId}/answer`, {
      text: 'Right lower lobe.',
      version: raised.json().version,
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(recipientsOf(await rows(), 'query.answered', queryId)).toEqual([
      'datamanager@example.org',
      'monitor@example.org',
    ]);
    await worker.runOnce();
    const mail = mailsTo('monitor@example.org').find((entry) =>
      entry.subject.startsWith('exotrial: Query answered'),
    );
    expect(mail?.text).toContain('Right lower lobe.');
    expect(mail?.text).toContain('https://trial.example.org/queries');
  });

  it('a temperature excursion that quarantines vials reaches the site’s pharmacist and investigator, naming the vials', async () => {
    const { pharmacist } = await createPharmacists(t, users);
    const unitId = await createUnit(t, pharmacist, 'NF-1', users.siteId);
    const iso = (at: number) => new Date(at).toISOString();
    const { codes } = await createLot(t, pharmacist, {
      lotNumber: 'NL-01',
      unitId,
      vialCount: 3,
      receivedAt: iso(Date.now() - 24 * HOUR),
    });
    const readings = await as(t.app, pharmacist).post(`/api/v1/product/storage-units/${unitId}/readings`, {
      readings: [
        { recordedAt: iso(Date.now() - 5 * HOUR), celsius: -80 },
        { recordedAt: iso(Date.now() - 4 * HOUR), celsius: -45 },
        { recordedAt: iso(Date.now() - 3 * HOUR), celsius: -50 },
        { recordedAt: iso(Date.now() - 2 * HOUR), celsius: -81 },
      ],
    });
    expect(readings.statusCode, readings.body).toBe(201);
    expect(recipientsOf(await rows(), 'excursion.quarantined')).toEqual([
      'investigator@example.org',
      'pharmacist@example.org',
    ]);
    await worker.runOnce();
    const mail = mailsTo('pharmacist@example.org').find((entry) =>
      entry.subject.includes('Temperature excursion'),
    );
    expect(mail?.subject).toBe('exotrial: Temperature excursion in NF-1 (Freezer NF-1)');
    expect(mail?.text).toContain(`quarantined 3 vial(s): ${[...codes].sort().join(', ')}.`);
    expect(mailsTo('otherpharmacist@example.org')).toEqual([]);
  });

  it('an event whose transaction rolls back leaves no notification and no e-mail', async () => {
    const before = (await rows()).length;
    const outbox = (await deliveryRows(t.database, t.studyId)).length;
    await expect(
      t.database.transaction(async (trx) => {
        const made = await notify(trx, t.studyId, {
          kind: 'dosing.paused',
          siteId: null,
          params: { reason: 'never happened' },
          link: null,
          eventKey: 'rolled-back',
        });
        expect(made).toBeGreaterThan(0);
        throw new Error('the event failed');
      }),
    ).rejects.toThrow('the event failed');
    expect((await rows()).length).toBe(before);
    expect((await deliveryRows(t.database, t.studyId)).length).toBe(outbox);
  });

  describe('when the SMTP server fails', () => {
    it('a refusal for now (451) is kept and tried again with backoff; the message goes out on the second try', async () => {
      const paused = await as(t.app, officer).post('/api/v1/safety/pauses', { reason: 'Second signal' });
      const pauseId: string = paused.json().pauseId;
      const now = new Date(Date.now() + 60 * 24 * HOUR);
      sink.refuseNext(100, 451, 'Mailbox busy, try later');
      const failing = await worker.runOnce(now);
      expect(failing.failed).toBeGreaterThan(0);
      const ofPause = async () =>
        (await deliveryRows(t.database, t.studyId)).filter(
          (row) => row.event_key === `pause:${pauseId}` && row.mode === 'immediately',
        );
      const failed = await ofPause();
      // The other site's coordinator and investigator and both pharmacists (this site's coordinator
      // and investigator chose the digest and the app only).
      expect(failed.length).toBe(4);
      for (const row of failed) {
        expect(row).toMatchObject({ status: 'pending', attempts: 1 });
        expect(row.last_error).toContain('Mailbox busy');
        expect(new Date(row.next_attempt_at).getTime()).toBe(now.getTime() + MINUTE);
      }
      sink.refuseNext(0, 0, '');
      const tooSoon = await worker.runOnce(new Date(now.getTime() + 30_000));
      expect(tooSoon.sent).toBe(0);
      const retried = await worker.runOnce(new Date(now.getTime() + MINUTE));
      expect(retried.sent).toBeGreaterThanOrEqual(4);
      for (const row of await ofPause()) {
        expect(row).toMatchObject({ status: 'sent', attempts: 2 });
        expect(row.last_error).toContain('Mailbox busy');
        expect(row.outcome).toMatch(/^250/);
      }
    });

    it('a refusal for good (550) is not tried again: failed, with the server’s answer', async () => {
      const paused = await as(t.app, officer).post('/api/v1/safety/pauses', { reason: 'Third signal' });
      const pauseId: string = paused.json().pauseId;
      sink.refuseNext(100, 550, 'No such mailbox');
      await worker.runOnce(new Date(Date.now() + 61 * 24 * HOUR));
      sink.refuseNext(0, 0, '');
      const rowsNow = (await deliveryRows(t.database, t.studyId)).filter(
        (row) => row.event_key === `pause:${pauseId}` && row.mode === 'immediately',
      );
      expect(rowsNow.length).toBe(4);
      for (const row of rowsNow) {
        expect(row).toMatchObject({ status: 'failed', attempts: 1, outcome: 'refused by the SMTP server' });
        expect(row.last_error).toContain('No such mailbox');
      }
    });
  });
});
