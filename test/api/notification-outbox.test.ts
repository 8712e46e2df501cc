import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import type { App } from '../../src/kernel/context.ts';
import { claimDue, LEASE_MS } from '../../src/notifications/outbox.ts';
import { buildApp } from '../../src/server/app.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import {
  describeEachDatabase,
  freshTarget,
  type SignedIn,
  type TestTarget,
  testConfig,
} from '../support/test-app.ts';
import { as, createTrialUsers } from '../support/trial-users.ts';
import { deliveryRows, testWorker } from './notification-support.ts';
import { createSafetyOfficer } from './safety-support.ts';

// The outbox across server lifetimes and servers: what was pending when a server stopped goes out
// after the next start, a message whose sender died mid-send goes out once its lease has run out, and
// two servers on one database send each message once.

interface Server {
  app: App;
  database: Database;
  studyId: string;
  close(): Promise<void>;
}

const environment = {
  EXOTRIAL_ADMIN_EMAIL: 'admin@example.org',
  EXOTRIAL_ADMIN_PASSWORD: 'a strong root secret',
};

/** A server on an existing database, as `exotrial serve` starts it (without listening). */
async function startOn(target: TestTarget['target']): Promise<Server> {
  const config = testConfig(target, environment);
  const database = await openDatabase(target);
  const logger = pino({ level: 'silent' });
  const { studyId } = await bootstrap(database, config, logger);
  const app = await buildApp({ config, database, studyId }, { logger });
  await app.ready();
  return {
    app,
    database,
    studyId,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

describeEachDatabase('the notification outbox across restarts and servers', (kind) => {
  let sink: SmtpSink;
  let target: TestTarget;
  let server: Server;
  let officer: SignedIn;

  beforeAll(async () => {
    sink = await startSmtpSink();
    target = await freshTarget(kind);
    server = await startOn(target.target);
    // The trial team of two sites: each pause and resume tells the three of them who dose.
    await createTrialUsers({ ...server, config: testConfig(target.target), setupSecret: null });
    officer = await createSafetyOfficer({ ...server, config: testConfig(target.target), setupSecret: null });
  });
  afterAll(async () => {
    await server?.close();
    await target?.dispose();
    await sink?.close();
  });

  /** The safety officer pauses and resumes dosing: each tells the four people who dose at the two sites. */
  async function pauseAndResume(reason: string): Promise<void> {
    const paused = await as(server.app, officer).post('/api/v1/safety/pauses', { reason });
    expect(paused.statusCode, paused.body).toBe(201);
    const resumed = await as(server.app, officer).post(
      `/api/v1/safety/pauses/${paused.json().pauseId}/resume`,
      {
        version: 1,
        reason: `${reason}: reviewed`,
      },
    );
    expect(resumed.statusCode, resumed.body).toBe(200);
  }
  const rows = () => deliveryRows(server.database, server.studyId);

  it('what was pending when the server stopped is sent after it starts again, and a message claimed by a server that died is sent once its lease ran out', async () => {
    await pauseAndResume('Before the restart');
    // A server claims these messages and dies before sending them (their lease stays)…
    const claimed = await claimDue(server.database, server.studyId, new Date());
    expect(claimed.length).toBe(6);
    // …and later events leave messages pending when the server stops.
    await pauseAndResume('Just before the stop');
    const pending = await rows();
    expect(pending.filter((row) => row.status === 'sending')).toHaveLength(6);
    expect(pending.filter((row) => row.status === 'pending')).toHaveLength(6);
    await server.close();

    server = await startOn(target.target);
    const worker = await testWorker(server.database, server.studyId, sink.url);
    const now = new Date();
    const first = await worker.runOnce(now);
    expect(first.sent).toBe(6);
    expect((await rows()).filter((row) => row.status === 'sending')).toHaveLength(6);
    const afterLease = await worker.runOnce(new Date(now.getTime() + LEASE_MS + 1000));
    expect(afterLease.sent).toBe(6);
    await worker.stop();
    const after = await rows();
    expect(after.map((row) => row.status)).toEqual(after.map(() => 'sent'));
    const carried = sink.received.map((mail) => mail.headers.get('x-exotrial-delivery'));
    expect(carried.sort()).toEqual(after.map((row) => row.delivery_id).sort());
  });

  it('two servers on one database send each message exactly once', async () => {
    // PGlite is one process's database: the second "server" is a second worker on the same one.
    const second = kind === 'postgres' ? await openDatabase(target.target) : server.database;
    try {
      for (let round = 1; round <= 5; round += 1) await pauseAndResume(`Round ${round}`);
      const due = (await rows()).filter((row) => row.status === 'pending');
      // More than one claim's worth (20), so that both servers claim while the other sends.
      expect(due.length).toBe(30);
      sink.received.length = 0;
      sink.delayMs = 10;
      const one = await testWorker(server.database, server.studyId, sink.url);
      const two = await testWorker(second, server.studyId, sink.url);
      const [a, b] = await Promise.all([one.runOnce(), two.runOnce()]);
      await Promise.all([one.stop(), two.stop()]);
      sink.delayMs = 0;
      expect(a.sent + b.sent).toBe(due.length);
      // Both took part: each claimed a share while the other was sending.
      expect(a.sent).toBeGreaterThan(0);
      expect(b.sent).toBeGreaterThan(0);
      const carried = sink.received.map((mail) => mail.headers.get('x-exotrial-delivery') ?? '');
      expect(new Set(carried).size).toBe(carried.length);
      expect(carried.sort()).toEqual(due.map((row) => row.delivery_id).sort());
      const ids = new Set(due.map((row) => row.delivery_id));
      const outcome = (await rows()).filter((row) => ids.has(row.delivery_id));
      expect(outcome.map((row) => [row.status, row.attempts])).toEqual(outcome.map(() => ['sent', 1]));
    } finally {
      if (second !== server.database) await second.close();
    }
  });

  it('claims made at the same moment by two servers never share a message', async () => {
    const second = kind === 'postgres' ? await openDatabase(target.target) : server.database;
    try {
      for (let round = 1; round <= 4; round += 1) await pauseAndResume(`Race ${round}`);
      const due = (await rows()).filter((row) => row.status === 'pending');
      expect(due.length).toBe(24);
      // Sixteen claims at once, eight through each server's connections, each taking up to 20 rows.
      const now = new Date();
      const claims = await Promise.all(
        Array.from({ length: 16 }, (_, index) =>
          claimDue(index % 2 === 0 ? server.database : second, server.studyId, now),
        ),
      );
      const claimed = claims.flat().flatMap((message) => message.deliveryIds);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.sort()).toEqual(due.map((row) => row.delivery_id).sort());
    } finally {
      if (second !== server.database) await second.close();
    }
  });

  it('a message for a disabled account, or of a kind this version does not know, is recorded as skipped, not sent', async () => {
    await pauseAndResume('Before a disabling');
    const pending = (await rows()).filter((row) => row.status === 'pending');
    const first = pending[0];
    const second = pending.find((row) => row.user_id !== first?.user_id);
    if (!first || !second) throw new Error('two pending messages expected');
    await server.database.transaction(async (trx) => {
      await trx
        .updateTable('app_user')
        .set({ status: 'disabled' })
        .where('study_id', '=', server.studyId)
        .where('user_id', '=', first.user_id)
        .execute();
      await trx
        .updateTable('notification')
        .set({ kind: 'retired.kind' })
        .where('study_id', '=', server.studyId)
        .where('notification_id', '=', second.notification_id)
        .execute();
    });
    sink.received.length = 0;
    const worker = await testWorker(server.database, server.studyId, sink.url);
    await worker.runOnce();
    await worker.stop();
    const after = new Map((await rows()).map((row) => [row.delivery_id, row]));
    const disabledOnes = pending.filter((row) => row.user_id === first.user_id);
    for (const row of disabledOnes) {
      expect(after.get(row.delivery_id)).toMatchObject({
        status: 'skipped',
        outcome: 'the account is disabled',
      });
    }
    expect(after.get(second.delivery_id)).toMatchObject({
      status: 'skipped',
      outcome: 'a kind of notification this version does not know',
    });
    const sent = pending.filter(
      (row) => row.user_id !== first.user_id && row.delivery_id !== second.delivery_id,
    );
    expect(sink.received.map((mail) => mail.headers.get('x-exotrial-delivery')).sort()).toEqual(
      sent.map((row) => row.delivery_id).sort(),
    );
  });
});
