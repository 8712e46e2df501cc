import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { createTestApp, describeEachDatabase, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, PASSWORD, type TrialUsers } from '../support/trial-users.ts';
import {
  type NotificationWorker,
  notificationRows,
  recipientsOf,
  testWorker,
} from './notification-support.ts';
import {
  createLot,
  createPharmacists,
  createUnit,
  type Pharmacists,
  vialByCode,
} from './product-fixtures.ts';

const HOUR = 3_600_000;

describeEachDatabase('notifications of the investigational product', (kind) => {
  let t: TestApp;
  let sink: SmtpSink;
  let worker: NotificationWorker;
  let users: TrialUsers;
  let staff: Pharmacists;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
      EXOTRIAL_SMTP_URL: sink.url,
    });
    users = await createTrialUsers(t);
    staff = await createPharmacists(t, users);
    worker = await testWorker(t.database, t.studyId, sink.url);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
    await sink?.close();
  });

  const rows = () => notificationRows(t.database, t.studyId);
  const mailsTo = (address: string) => sink.received.filter((mail) => mail.recipients.includes(address));

  it('a shipment handed to the courier reaches the receiving site’s pharmacists once, not the sender, not another site, and not at packing', async () => {
    const from = await createUnit(t, staff.pharmacist, 'SH-F1', users.siteId);
    const to = await createUnit(t, staff.otherPharmacist, 'SH-F2', users.otherSiteId);
    const { codes } = await createLot(t, staff.pharmacist, {
      lotNumber: 'SH-01',
      unitId: from,
      vialCount: 4,
      receivedAt: new Date(Date.now() - 2 * HOUR).toISOString(),
    });
    const sender = as(t.app, staff.pharmacist);
    const packed = await sender.post('/api/v1/product/shipments', {
      fromUnitId: from,
      toUnitId: to,
      containerUnitId: null,
      vialCodes: codes.slice(0, 3),
      password: PASSWORD,
    });
    expect(packed.statusCode, packed.body).toBe(201);
    const shipmentId: string = packed.json().shipmentId;
    expect(recipientsOf(await rows(), 'shipment.sent')).toEqual([]);

    const refused = await sender.post(`/api/v1/product/shipments/${shipmentId}/ship`, {
      courier: 'Cold Chain Co.',
      password: 'not the password',
      version: 1,
    });
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(recipientsOf(await rows(), 'shipment.sent')).toEqual([]);

    const shipped = await sender.post(`/api/v1/product/shipments/${shipmentId}/ship`, {
      courier: 'Cold Chain Co.',
      password: PASSWORD,
      version: 1,
    });
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(recipientsOf(await rows(), 'shipment.sent', shipmentId)).toEqual(['otherpharmacist@example.org']);

    const again = await sender.post(`/api/v1/product/shipments/${shipmentId}/ship`, {
      courier: 'Cold Chain Co.',
      password: PASSWORD,
      version: 2,
    });
    expect(again.statusCode).toBe(409);
    expect(recipientsOf(await rows(), 'shipment.sent')).toEqual(['otherpharmacist@example.org']);

    await worker.runOnce();
    const mail = mailsTo('otherpharmacist@example.org').find((entry) => entry.subject.includes('Shipment'));
    expect(mail?.subject).toBe('exotrial: Shipment on its way to SH-F2 (Freezer SH-F2)');
    expect(mail?.text).toContain('3 vial(s) left SH-F1 (Freezer SH-F1) with Cold Chain Co. for SH-F2');
    expect(mail?.text).toContain('https://trial.example.org/product/shipments');
    const inbox = await as(t.app, staff.otherPharmacist).get('/api/v1/notifications');
    expect(inbox.statusCode, inbox.body).toBe(200);
    expect(inbox.json().items[0]).toMatchObject({
      kind: 'shipment.sent',
      title: {
        en: 'Shipment on its way to SH-F2 (Freezer SH-F2)',
        zh: '发往 SH-F2 (Freezer SH-F2) 的运输已发出',
      },
    });
    expect(mailsTo('pharmacist@example.org')).toEqual([]);
  });

  it('a thawed vial within an hour of its 6-hour window’s end reaches its site’s pharmacist and coordinator, once however often the scan runs', async () => {
    const unitId = await createUnit(t, staff.pharmacist, 'TH-F1', users.siteId);
    const { codes } = await createLot(t, staff.pharmacist, {
      lotNumber: 'TH-01',
      unitId,
      vialCount: 2,
      receivedAt: new Date(Date.now() - 2 * HOUR).toISOString(),
    });
    const vial = await vialByCode(t, staff.pharmacist, codes[0] ?? '');
    const thawed = await as(t.app, staff.pharmacist).post(`/api/v1/product/vials/${vial.vialId}/thaw`, {
      version: vial.version,
    });
    expect(thawed.statusCode, thawed.body).toBe(200);
    const { thawed_at } = await t.database.read((db) =>
      db
        .selectFrom('vial')
        .select('thawed_at')
        .where('study_id', '=', t.studyId)
        .where('vial_id', '=', vial.vialId)
        .executeTakeFirstOrThrow(),
    );
    const thawedAt = new Date(thawed_at ?? 0).getTime();
    const about = `thaw-window:${vial.vialId}`;
    await worker.runOnce(new Date(thawedAt + 4 * HOUR + 59 * 60_000));
    expect(recipientsOf(await rows(), 'vial.thaw-window-ending', about)).toEqual([]);
    await worker.runOnce(new Date(thawedAt + 5 * HOUR + 20 * 60_000));
    await worker.runOnce(new Date(thawedAt + 5 * HOUR + 40 * 60_000));
    await worker.runOnce(new Date(thawedAt + 7 * HOUR));
    expect(recipientsOf(await rows(), 'vial.thaw-window-ending', about)).toEqual([
      'coordinator@example.org',
      'pharmacist@example.org',
    ]);
    expect(recipientsOf(await rows(), 'vial.thaw-window-ending')).toHaveLength(2);
    const mail = mailsTo('coordinator@example.org').find((entry) => entry.subject.includes(codes[0] ?? '?'));
    expect(mail?.subject).toBe(`exotrial: Thawed vial ${codes[0]}: 40 min left`);
    expect(mail?.text).toContain('(Asia/Shanghai)');
  });
});
