import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import { type Database, openDatabase } from '../../src/db/connection.ts';
import { recordConsent } from '../../src/participants/consent.service.ts';
import { screenParticipant } from '../../src/participants/participant.service.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from '../support/cli.ts';
import { freePort } from '../support/postgres.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { describeEachDatabase, freshTarget, type TestTarget, testConfig } from '../support/test-app.ts';

// 20 clients save forms over HTTP to a real server process, which is killed with SIGKILL mid-load and
// started again on the same data: every save that was answered 2xx must be there with its values,
// every record must carry its audit events, and the hash chain must verify.

const CLIENTS = 20;
const KILL_AFTER_ACKS = Number(process.env.CRASH_ACKS ?? 150);
const EMAIL = 'crash.coordinator@example.org';
const PASSWORD = 'crash test coordinator password';

interface Ack {
  participantId: string;
  instance: number;
  medication: string;
}

async function prepare(database: Database, target: TestTarget['target']): Promise<string[]> {
  const { studyId } = await bootstrap(database, testConfig(target), pino({ level: 'silent' }));
  const siteId = await database.read(
    async (db) =>
      (
        await db
          .selectFrom('site')
          .select('site_id')
          .where('study_id', '=', studyId)
          .executeTakeFirstOrThrow()
      ).site_id,
  );
  const user = await database.transaction((trx) =>
    createUser(trx, studyId, systemActor('crash test'), {
      email: EMAIL,
      name: 'Crash Coordinator',
      roles: ['study_coordinator'],
      siteIds: [siteId],
      password: PASSWORD,
    }),
  );
  const caller = { user, actor: { type: 'user' as const, userId: user.userId, label: user.email } };
  const today = new Date().toISOString().slice(0, 10);
  const participants: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const participantId = await screenParticipant(database, studyId, caller, {
      siteId,
      screeningDate: today,
      synthetic: true,
    });
    await recordConsent(database, studyId, caller, participantId, {
      formVersion: '1.0',
      consentedAt: new Date(Date.now() - 60_000).toISOString(),
      signer: 'participant',
    });
    participants.push(participantId);
  }
  return participants;
}

async function startServer(target: TestTarget['target'], port: number): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { HOST: '127.0.0.1', EXOTRIAL_LOGIN_RATE_LIMIT: '1000' };
  const args = ['--port', String(port)];
  if (target.kind === 'postgres') env.DATABASE_URL = target.url;
  else args.push('--data', target.dataDir);
  return startServerProcess(args, env);
}

async function signIn(base: string): Promise<Record<string, string>> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const cookie = /exotrial_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('no session cookie');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
}

const formUrl = (base: string, participantId: string, instance: number) =>
  `${base}/api/v1/participants/${participantId}/visits/screening/forms/conmeds?instance=${instance}`;

/** One client: saves one new log entry after another for its participant until the server goes away. */
async function client(
  base: string,
  headers: Record<string, string>,
  participantId: string,
  index: number,
  acks: Ack[],
  failures: string[],
): Promise<void> {
  for (let instance = 1; instance <= 10_000; instance++) {
    const medication = `Drug ${index}-${instance} ${'x'.repeat(instance % 50)}`;
    let response: Response;
    try {
      response = await fetch(formUrl(base, participantId, instance), {
        method: 'PUT',
        headers,
        body: JSON.stringify({
          version: 0,
          entries: {
            medication: { value: medication },
            category: { value: 'other' },
            indication: { value: 'crash test' },
            startDate: { value: '2026-01-01' },
            ongoing: { value: true },
          },
        }),
      });
    } catch {
      return; // The server is gone.
    }
    if (response.status === 200) acks.push({ participantId, instance, medication });
    else failures.push(`${response.status} ${await response.text()}`);
  }
}

describeEachDatabase('crash during concurrent form saves', (kind) => {
  let fresh: TestTarget;
  let participants: string[];
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    fresh = await freshTarget(kind);
    const database = await openDatabase(fresh.target);
    try {
      participants = await prepare(database, fresh.target);
    } finally {
      await database.close();
    }
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await fresh?.dispose();
  });

  it('keeps every acknowledged save through kill -9, and the audit chain verifies', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = await startServer(fresh.target, port);
    const headers = await signIn(base);
    const acks: Ack[] = [];
    const failures: string[] = [];
    const killed = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (acks.length >= KILL_AFTER_ACKS && server) {
          clearInterval(timer);
          server.child.kill('SIGKILL');
          resolve();
        }
      }, 5);
    });
    const clients = participants.map((participantId, index) =>
      client(base, headers, participantId, index, acks, failures),
    );
    await killed;
    await Promise.all(clients);
    await new Promise<void>((resolve) => {
      if (server?.child.exitCode !== null || server?.child.signalCode !== null) resolve();
      else server.child.once('exit', () => resolve());
    });
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(failures).toEqual([]);
    const acked = acks.length;
    expect(acked).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

    server = await startServer(fresh.target, port);
    const again = await signIn(base);
    let present = 0;
    for (const ack of acks) {
      const response = await fetch(formUrl(base, ack.participantId, ack.instance), { headers: again });
      expect(response.status).toBe(200);
      const form = (await response.json()) as {
        version: number;
        entries: Record<string, { value: unknown }>;
      };
      if (form.version === 1 && form.entries.medication?.value === ack.medication) present += 1;
    }
    console.info(
      `crf crash [${kind}]: ${acked} saves acknowledged before kill -9, ${present} present after restart`,
    );
    expect(present).toBe(acked);
    await server.stop();
    server = undefined;

    // No half-written record: every record on disk, acknowledged or in flight at the kill, has the
    // audit events of its five fields.
    const database = await openDatabase(fresh.target);
    try {
      const { records, events } = await database.read(async (db) => ({
        records: await db
          .selectFrom('form_record')
          .select('record_id')
          .where('form_id', '=', 'conmeds')
          .execute(),
        events: await db
          .selectFrom('audit_event')
          .select('entity_id')
          .where('action', '=', 'crf.value.enter')
          .execute(),
      }));
      const perRecord = new Map<string, number>();
      for (const event of events) perRecord.set(event.entity_id, (perRecord.get(event.entity_id) ?? 0) + 1);
      expect(records.length).toBeGreaterThanOrEqual(acked);
      expect(records.filter((record) => perRecord.get(record.record_id) !== 5)).toEqual([]);
    } finally {
      await database.close();
    }
    const verify = exotrial(['audit', 'verify'], { target: fresh.target });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('Audit trail intact');
  }, 600_000);
});
