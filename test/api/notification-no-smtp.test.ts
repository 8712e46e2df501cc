import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNotifications } from '../../src/notifications/start.ts';
import { NO_SMTP } from '../../src/notifications/worker.ts';
import { createTestApp, describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, createTrialUsers, type TrialUsers } from '../support/trial-users.ts';
import { deliveryRows } from './notification-support.ts';
import { createSafetyOfficer } from './safety-support.ts';

describeEachDatabase('notifications without an SMTP server', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let officer: SignedIn;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
      EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
    });
    users = await createTrialUsers(t);
    officer = await createSafetyOfficer(t);
  });
  afterAll(async () => t?.close());

  it('the server says at start that notifications are in-app only; e-mails are recorded as skipped, the inbox has them', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const worker = await startNotifications({
      config: t.config,
      database: t.database,
      studyId: t.studyId,
      logger,
    });
    try {
      expect(lines.join('')).toContain('EXOTRIAL_SMTP_URL is not set: notifications are in-app only');
      // The pass the start ran at once is over before the event (the next is 30 s away).
      await worker.runOnce();
      const paused = await as(t.app, officer).post('/api/v1/safety/pauses', { reason: 'Signal' });
      expect(paused.statusCode, paused.body).toBe(201);
      const pass = await worker.runOnce();
      expect(pass).toMatchObject({ sent: 0, skipped: 3, failed: 0 });
      const rows = await deliveryRows(t.database, t.studyId);
      expect(rows.map((row) => [row.status, row.outcome])).toEqual(rows.map(() => ['skipped', NO_SMTP]));
      const inbox = await as(t.app, users.coordinator).get('/api/v1/notifications');
      expect(inbox.json()).toMatchObject({
        total: 1,
        unread: 1,
        items: [{ kind: 'dosing.paused', email: 'skipped' }],
      });
      const preferences = await as(t.app, users.coordinator).get('/api/v1/notifications/preferences');
      expect(preferences.json().emailConfigured).toBe(false);
    } finally {
      await worker.stop();
    }
  });
});
