import { sql } from 'kysely';
import pino from 'pino';
import { systemActor } from '../../src/audit/audit.schema.ts';
import { createUser } from '../../src/auth/user.service.ts';
import type { DatabaseTarget } from '../../src/config.ts';
import { openDatabase } from '../../src/db/connection.ts';
import type { Role } from '../../src/kernel/roles.ts';
import { bootstrap } from '../../src/study/bootstrap.ts';
import { exotrial } from './cli.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { testConfig } from './test-app.ts';

/**
 * Helpers for tests that drive real `exotrial serve` processes over HTTP: start servers on a
 * database, sign staff in, call the API with fetch, and check the audit chain afterwards.
 */

export const STAFF_PASSWORD = 'hardening staff password';

/** Starts `exotrial serve` on a PGlite folder or a PostgreSQL URL, on a given loopback port. */
export function startExotrial(
  target: DatabaseTarget,
  port: number,
  environment: NodeJS.ProcessEnv = {},
  onOutput?: (chunk: string) => void,
): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { HOST: '127.0.0.1', EXOTRIAL_LOGIN_RATE_LIMIT: '1000', ...environment };
  const args = ['--port', String(port)];
  if (target.kind === 'postgres') env.DATABASE_URL = target.url;
  else args.push('--data', target.dataDir);
  return startServerProcess(args, env, onOutput);
}

/** Waits for a process to exit (at once if it already has). */
export function exited(server: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) resolve();
    else server.child.once('exit', () => resolve());
  });
}

/** Migrates an empty database and loads the default protocol, as a first server start would. */
export async function prepareStudy(target: DatabaseTarget): Promise<void> {
  const database = await openDatabase(target);
  try {
    await bootstrap(database, testConfig(target), pino({ level: 'silent' }));
  } finally {
    await database.close();
  }
}

export interface Staff {
  siteId: string;
  studyId: string;
}

/** Creates signed-in-able staff of the study's first site (`<name>@example.org`, STAFF_PASSWORD). */
export async function createStaff(
  target: DatabaseTarget,
  people: Array<[name: string, role: Role]>,
): Promise<Staff> {
  const database = await openDatabase(target);
  try {
    return await database.transaction(async (trx) => {
      const site = await trx.selectFrom('site').select(['study_id', 'site_id']).executeTakeFirstOrThrow();
      for (const [name, role] of people) {
        await createUser(trx, site.study_id, systemActor('hardening test'), {
          email: `${name}@example.org`,
          name: `${name[0]?.toUpperCase()}${name.slice(1)}`,
          roles: [role],
          siteIds: role === 'data_manager' ? [] : [site.site_id],
          password: STAFF_PASSWORD,
        });
      }
      return { siteId: site.site_id, studyId: site.study_id };
    });
  } finally {
    await database.close();
  }
}

export interface Session {
  headers: Record<string, string>;
}

/** Signs in over HTTP; the session is kept in the database, so any server of the study accepts it. */
export async function signInOver(base: string, email: string, password = STAFF_PASSWORD): Promise<Session> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const cookie = /exotrial_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error('no session cookie');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' } };
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: API answers are checked field by field in the tests
  body: any;
  retryAfter: string | null;
}

/** One API call; throws when the connection fails (server gone), like a real client would see it. */
export async function call(
  base: string,
  session: Session,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: session.headers,
    signal: AbortSignal.timeout(timeoutMs),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: kept as text for the failure message.
  }
  return { status: response.status, body: parsed, retryAfter: response.headers.get('retry-after') };
}

export const formPath = (participantId: string, visitKey: string, formId: string, instance = 1) =>
  `/api/v1/participants/${participantId}/visits/${encodeURIComponent(visitKey)}/forms/${formId}?instance=${instance}`;

/** A concomitant medication log entry: five fields, so a new record carries five audit events. */
export const conmedEntry = (medication: string) => ({
  medication: { value: medication },
  category: { value: 'other' },
  indication: { value: 'hardening test' },
  startDate: { value: '2026-01-01' },
  ongoing: { value: true },
});

export interface ChainFacts {
  events: number;
  firstSeq: number;
  lastSeq: number;
  /** Sequence numbers missing between 1 and the last. */
  missing: number[];
  verifyCode: number | null;
  verifyOutput: string;
}

/** The audit chain as stored (count, first and last seq, holes) and what `exotrial audit verify` says. */
export async function auditChainFacts(target: DatabaseTarget): Promise<ChainFacts> {
  const database = await openDatabase(target);
  let seqs: number[];
  try {
    seqs = await database.read(async (db) =>
      (await sql<{ seq: number }>`select seq from audit_event order by seq`.execute(db)).rows.map((row) =>
        Number(row.seq),
      ),
    );
  } finally {
    await database.close();
  }
  const present = new Set(seqs);
  const lastSeq = seqs.at(-1) ?? 0;
  const missing: number[] = [];
  for (let seq = 1; seq <= lastSeq; seq++) if (!present.has(seq)) missing.push(seq);
  const verify = exotrial(['audit', 'verify'], { target });
  return {
    events: seqs.length,
    firstSeq: seqs[0] ?? 0,
    lastSeq,
    missing,
    verifyCode: verify.code,
    verifyOutput: verify.stdout + verify.stderr,
  };
}

/**
 * Form records of `formId` that do not carry exactly `fieldsPerRecord` "crf.value.enter" audit
 * events: a record written without its trail, or a trail without its record, would show here.
 */
export async function recordsWithoutTheirTrail(
  target: DatabaseTarget,
  formId: string,
  fieldsPerRecord: number,
): Promise<{ records: number; incomplete: string[] }> {
  const database = await openDatabase(target);
  try {
    return await database.read(async (db) => {
      const records = await db
        .selectFrom('form_record')
        .select('record_id')
        .where('form_id', '=', formId)
        .execute();
      const events = await db
        .selectFrom('audit_event')
        .select('entity_id')
        .where('action', '=', 'crf.value.enter')
        .where('entity_type', '=', 'form_record')
        .execute();
      const perRecord = new Map<string, number>();
      for (const event of events) perRecord.set(event.entity_id, (perRecord.get(event.entity_id) ?? 0) + 1);
      const known = new Set(records.map((record) => record.record_id));
      const incomplete = [
        ...records
          .filter((record) => perRecord.get(record.record_id) !== fieldsPerRecord)
          .map((r) => r.record_id),
        ...[...perRecord.keys()].filter((entityId) => !known.has(entityId)),
      ];
      return { records: records.length, incomplete };
    });
  } finally {
    await database.close();
  }
}

export interface SaveAttempt {
  /** ms since the run began, when the attempt was sent and when it was answered. */
  sentAt: number;
  answeredAt: number;
  server: string;
  /** HTTP status, or "network" when the connection failed or was cut. */
  outcome: number | 'network';
  retryAfter: string | null;
  error: string | null;
}

export interface SaveResult {
  acknowledged: boolean;
  /** The save had landed before its answer was lost: a retry found it (409 with the same values). */
  confirmedByRetry: boolean;
}

/**
 * Saves a new conmeds entry the way a careful client behind a load balancer does: on a cut
 * connection it tries the next server, on 503 it waits (Retry-After, capped for the test) and tries
 * again, with the same version 0. A 409 whose current record holds exactly this entry means an
 * earlier attempt landed and its answer was lost: that is an acknowledgement too.
 */
export async function saveWithRetry(
  servers: () => string[],
  session: Session,
  slot: { participantId: string; instance: number },
  medication: string,
  attempts: SaveAttempt[],
  clock: () => number,
  deadline: number,
): Promise<SaveResult> {
  const path = formPath(slot.participantId, 'screening', 'conmeds', slot.instance);
  let turn = slot.instance;
  let retried = false;
  while (clock() < deadline) {
    const list = servers();
    const server = list[turn % list.length] ?? '';
    const sentAt = clock();
    let answer: Answer;
    try {
      answer = await call(
        server,
        session,
        'PUT',
        path,
        { version: 0, entries: conmedEntry(medication) },
        20_000,
      );
    } catch (error) {
      attempts.push({
        sentAt,
        answeredAt: clock(),
        server,
        outcome: 'network',
        retryAfter: null,
        error: (error as Error).message,
      });
      turn += 1;
      retried = true;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    attempts.push({
      sentAt,
      answeredAt: clock(),
      server,
      outcome: answer.status,
      retryAfter: answer.retryAfter,
      error: answer.status >= 300 ? JSON.stringify(answer.body) : null,
    });
    if (answer.status === 200) return { acknowledged: true, confirmedByRetry: false };
    const current = answer.body?.details?.current;
    if (answer.status === 409 && retried && current?.entries?.medication?.value === medication) {
      return { acknowledged: true, confirmedByRetry: true };
    }
    if (answer.status !== 503) return { acknowledged: false, confirmedByRetry: false };
    retried = true;
    const wait = Math.min(Number(answer.retryAfter ?? 1) * 1000, 250);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { acknowledged: false, confirmedByRetry: false };
}
