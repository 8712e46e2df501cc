// Audited form saves through the HTTP API at 1, 10 and 50 concurrent clients, beside the same rows
// written by raw SQL in the same run: one form_record row and five audit rows per save, behind a chain
// head row locked by every transaction, as exotrial does. On PGlite and on PostgreSQL.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { systemActor } from '../src/audit/audit.schema.ts';
import { createUser } from '../src/auth/user.service.ts';
import type { DatabaseTarget } from '../src/config.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/connection.ts';
import { openDurablePglite } from '../src/db/durable-pglite.ts';
import { recordConsent } from '../src/participants/consent.service.ts';
import { screenParticipant } from '../src/participants/participant.service.ts';
import { buildApp } from '../src/server/app.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { findPostgresBin, freePort, startTestPostgres } from '../test/support/postgres.ts';

const SECONDS = Number(process.env.BENCH_CRF_SECONDS ?? 10);
const LEVELS = [1, 10, 50];
const EMAIL = 'bench.coordinator@example.org';
const PASSWORD = 'bench coordinator password';
const STATEMENT_SAMPLE = 20;
/** The raw save's statements: begin, lock the head, the record, five audit rows, the head, commit. */
const RAW_STATEMENTS_PER_SAVE = 10;

interface StatementCounter {
  statements: number;
}

const ITEMS = ['medication', 'category', 'indication', 'startDate', 'ongoing'] as const;

interface LevelFigures {
  clients: number;
  saves: number;
  saves_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  errors: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(1));

/** `clients` loops calling `save` for `SECONDS`; each call is timed. */
async function runLevel(clients: number, save: (client: number) => Promise<boolean>): Promise<LevelFigures> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const ok = await save(client).catch(() => false);
        if (ok) latencies.push(performance.now() - t0);
        else errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    clients,
    saves: latencies.length,
    saves_per_second: Math.round(latencies.length / elapsed),
    latency_p50_ms: percentile(latencies, 0.5),
    latency_p99_ms: percentile(latencies, 0.99),
    errors,
  };
}

const entriesFor = (client: number, instance: number) => ({
  medication: { value: `Bench drug ${client}-${instance}` },
  category: { value: 'other' },
  indication: { value: 'benchmark' },
  startDate: { value: '2026-01-01' },
  ongoing: { value: true },
});

/** A study with one consented participant per client of the largest level, and a coordinator. */
async function prepareStudy(database: Database, target: DatabaseTarget) {
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: target };
  const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
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
    createUser(trx, studyId, systemActor('bench'), {
      email: EMAIL,
      name: 'Bench Coordinator',
      roles: ['study_coordinator'],
      siteIds: [siteId],
      password: PASSWORD,
    }),
  );
  const caller = { user, actor: { type: 'user' as const, userId: user.userId, label: user.email } };
  const participants: string[] = [];
  const today = new Date().toISOString().slice(0, 10);
  for (let i = 0; i < Math.max(...LEVELS); i++) {
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
  return { config, studyId, participants };
}

/** Saves through PUT /api/v1/participants/:id/visits/screening/forms/conmeds, each a new log entry. */
async function httpSaves(
  database: Database,
  target: DatabaseTarget,
  counter: StatementCounter,
): Promise<{ figures: LevelFigures[]; statementsPerSave: number }> {
  const { config, studyId, participants } = await prepareStudy(database, target);
  const app = await buildApp({ config, database, studyId }, { logger: pino({ level: 'silent' }) });
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;
  try {
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    const cookie = /exotrial_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    const nextInstance = participants.map(() => 1);
    const save = async (client: number) => {
      const instance = nextInstance[client] ?? 1;
      nextInstance[client] = instance + 1;
      const response = await fetch(
        `${base}/api/v1/participants/${participants[client]}/visits/screening/forms/conmeds?instance=${instance}`,
        {
          method: 'PUT',
          headers,
          body: JSON.stringify({ version: 0, entries: entriesFor(client, instance) }),
        },
      );
      await response.arrayBuffer();
      return response.status === 200;
    };
    // Statements per save: counted over a few saves from one client (session lookup included).
    const countedFrom = counter.statements;
    for (let i = 0; i < STATEMENT_SAMPLE; i++) await save(0);
    const statementsPerSave = (counter.statements - countedFrom) / STATEMENT_SAMPLE;
    const figures: LevelFigures[] = [];
    for (const clients of LEVELS) {
      figures.push(await runLevel(clients, save));
    }
    return { figures, statementsPerSave };
  } finally {
    await app.close();
  }
}

type Query = (text: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

const RAW_SCHEMA = [
  // The same columns, keys and indexes as exotrial's tables, without foreign keys or triggers.
  'create table bench_record (like form_record including all)',
  'create table bench_audit (like audit_event including all)',
  'create table bench_head (study_id text primary key, seq bigint not null, hash text not null)',
  "insert into bench_head values ('bench', 0, repeat('0', 64))",
];

/** One save as raw SQL in one transaction: lock the chain head, insert the record and five hashed audit rows. */
async function rawSave(query: Query, client: number, instance: number): Promise<void> {
  await query('begin');
  try {
    const head = await query("select seq, hash from bench_head where study_id = 'bench' for update");
    let seq = Number(head.rows[0]?.seq);
    let hash = String(head.rows[0]?.hash);
    const recordId = randomUUID();
    const now = new Date().toISOString();
    const entries = Object.fromEntries(
      Object.entries(entriesFor(client, instance)).map(([item, field]) => [item, { ...field, revision: 1 }]),
    );
    await query(
      `insert into bench_record (study_id, record_id, participant_id, site_id, visit_id, form_id, instance, entries,
         protocol_version, created_at, updated_at) values ('bench', $1, $2, 'ruijin', 'screening', 'conmeds', $3, $4, 1, $5, $5)`,
      [recordId, randomUUID(), instance + client * 100_000, JSON.stringify(entries), now],
    );
    for (const item of ITEMS) {
      seq += 1;
      const event = { seq, recordId, item, value: entries[item], now };
      const prev = hash;
      hash = createHash('sha256').update(prev).update(JSON.stringify(event)).digest('hex');
      await query(
        `insert into bench_audit (study_id, seq, event_id, occurred_at, actor_type, actor_id, actor_label, action,
           entity_type, entity_id, field, old_value, new_value, prev_hash, hash)
         values ('bench', $1, $2, $3, 'user', null, $4, 'crf.value.enter', 'form_record', $5, $6, null, $7, $8, $9)`,
        [seq, randomUUID(), now, EMAIL, recordId, item, JSON.stringify(entries[item]), prev, hash],
      );
    }
    await query("update bench_head set seq = $1, hash = $2 where study_id = 'bench'", [seq, hash]);
    await query('commit');
  } catch (error) {
    await query('rollback');
    throw error;
  }
}

async function rawLevels(acquire: (work: (query: Query) => Promise<void>) => Promise<void>) {
  const nextInstance = new Map<number, number>();
  const figures: LevelFigures[] = [];
  for (const clients of LEVELS) {
    figures.push(
      await runLevel(clients, async (client) => {
        const instance = nextInstance.get(client) ?? 1;
        nextInstance.set(client, instance + 1);
        await acquire((query) => rawSave(query, client, instance));
        return true;
      }),
    );
  }
  return figures;
}

const table = (http: { figures: LevelFigures[]; statementsPerSave: number }, raw: LevelFigures[]) => ({
  statements_per_save: {
    exotrial_http: http.statementsPerSave,
    raw_sql: RAW_STATEMENTS_PER_SAVE,
  },
  ...Object.fromEntries(
    LEVELS.map((clients, index) => {
      const exotrial = http.figures[index];
      const rawLevel = raw[index];
      const ratio =
        exotrial && rawLevel && rawLevel.saves_per_second > 0
          ? Number((exotrial.saves_per_second / rawLevel.saves_per_second).toFixed(2))
          : null;
      return [
        `clients_${clients}`,
        { exotrial_http_audited_saves: exotrial, raw_sql_same_rows: rawLevel, ratio_exotrial_to_raw: ratio },
      ];
    }),
  ),
});

async function pgliteFigures() {
  const appDir = mkdtempSync(join(tmpdir(), 'bench-crf-app-'));
  const rawDir = mkdtempSync(join(tmpdir(), 'bench-crf-raw-'));
  try {
    const counter: StatementCounter = { statements: 0 };
    const database = await openDatabase(
      { kind: 'pglite', dataDir: appDir },
      { onQuery: () => counter.statements++ },
    );
    let http: Awaited<ReturnType<typeof httpSaves>>;
    try {
      http = await httpSaves(database, { kind: 'pglite', dataDir: appDir }, counter);
    } finally {
      await database.close();
    }
    // Raw: the same durable PGlite, the same schema (migrated by exotrial), statements from one queue.
    const schemaSource = await openDatabase({ kind: 'pglite', dataDir: rawDir });
    await bootstrap(
      schemaSource,
      { ...loadConfig({ LOG_LEVEL: 'silent' }), database: { kind: 'pglite', dataDir: rawDir } },
      pino({ level: 'silent' }),
    );
    await schemaSource.close();
    const pglite = await openDurablePglite(rawDir);
    for (const statement of RAW_SCHEMA) await pglite.query(statement);
    let queue: Promise<unknown> = Promise.resolve();
    const query: Query = (text, params) => pglite.query(text, params);
    const raw = await rawLevels((work) => {
      const run = queue.then(() => work(query));
      queue = run.catch(() => undefined);
      return run;
    });
    await pglite.close();
    return table(http, raw);
  } finally {
    for (const dir of [appDir, rawDir]) rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresFigures() {
  const bin = findPostgresBin();
  if (!bin) return { skipped: 'PostgreSQL is not installed' };
  const server = await startTestPostgres(bin);
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database bench_crf_app');
    await admin.query('create database bench_crf_raw');
    await admin.end();
    const appTarget = { kind: 'postgres' as const, url: server.urlFor('bench_crf_app') };
    const counter: StatementCounter = { statements: 0 };
    const database = await openDatabase(appTarget, { onQuery: () => counter.statements++ });
    let http: Awaited<ReturnType<typeof httpSaves>>;
    try {
      http = await httpSaves(database, appTarget, counter);
    } finally {
      await database.close();
    }
    const rawTarget = { kind: 'postgres' as const, url: server.urlFor('bench_crf_raw') };
    const schemaSource = await openDatabase(rawTarget);
    await bootstrap(
      schemaSource,
      { ...loadConfig({ LOG_LEVEL: 'silent' }), database: rawTarget },
      pino({ level: 'silent' }),
    );
    await schemaSource.close();
    // As many connections as exotrial's pool (10).
    const pool = new pg.Pool({ connectionString: rawTarget.url, max: 10 });
    for (const statement of RAW_SCHEMA) await pool.query(statement);
    const raw = await rawLevels(async (work) => {
      const connection = await pool.connect();
      try {
        await work((text, params) => connection.query(text, params));
      } finally {
        connection.release();
      }
    });
    await pool.end();
    return table(http, raw);
  } finally {
    await server.stop();
  }
}

/** The figures of this benchmark, for bench/run.ts. */
export async function crfSaveFigures() {
  return {
    seconds_per_level: SECONDS,
    row_shape: '1 form_record row + 5 audit rows per save, chain head locked per transaction',
    pglite: await pgliteFigures(),
    postgres: await postgresFigures(),
  };
}
