// npm run bench: prints one JSON document of figures. Each exotrial figure stands beside a raw
// baseline measured in the same run on the same machine. Name sections to run only those:
// `npm run bench -- load scale` (sections: inserts, http, crf, load, scale, startup).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/connection.ts';
import { openDurablePglite } from '../src/db/durable-pglite.ts';
import { buildApp } from '../src/server/app.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { findPostgresBin, freePort, startTestPostgres } from '../test/support/postgres.ts';
import { crfSaveFigures } from './crf-saves.ts';
import { loadBenchFigures } from './load.ts';
import { scaleBenchFigures } from './scale.ts';
import { startupBenchFigures } from './startup.ts';

const INSERTS = Number(process.env.BENCH_INSERTS ?? 2000);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CREATE = 'create table bench (study_id text not null, id serial primary key, payload text not null)';

const perSecond = (count: number, startedAt: number) =>
  Math.round((count / (performance.now() - startedAt)) * 1000);
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

async function rawQueries(query: (text: string, params?: unknown[]) => Promise<unknown>): Promise<number> {
  await query(CREATE);
  const startedAt = performance.now();
  for (let i = 0; i < INSERTS; i++) {
    await query('begin');
    await query("insert into bench (study_id, payload) values ('s', $1)", [`row ${i}`]);
    await query('commit');
  }
  return perSecond(INSERTS, startedAt);
}

async function exotrialInserts(database: Database): Promise<number> {
  await database.transaction((trx) => sql.raw(CREATE).execute(trx));
  const startedAt = performance.now();
  for (let i = 0; i < INSERTS; i++) {
    await database.transaction((trx) =>
      sql`insert into bench (study_id, payload) values ('s', ${`row ${i}`})`.execute(trx),
    );
  }
  return perSecond(INSERTS, startedAt);
}

async function pgliteFigures() {
  const stockDir = tempDir('bench-pglite-stock-');
  const rawDir = tempDir('bench-pglite-raw-');
  const appDir = tempDir('bench-pglite-app-');
  try {
    const stock = await PGlite.create(stockDir);
    const stockTps = await rawQueries((text, params) => stock.query(text, params));
    await stock.close();
    const raw = await openDurablePglite(rawDir);
    const rawTps = await rawQueries((text, params) => raw.query(text, params));
    await raw.close();
    const database = await openDatabase({ kind: 'pglite', dataDir: appDir });
    const appTps = await exotrialInserts(database);
    await database.close();
    return {
      inserts: INSERTS,
      stock_pglite_fsync_off_tps: stockTps,
      raw_durable_pglite_tps: rawTps,
      exotrial_database_tps: appTps,
    };
  } finally {
    for (const dir of [stockDir, rawDir, appDir]) rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresFigures() {
  const bin = findPostgresBin();
  if (!bin) return { skipped: 'PostgreSQL is not installed' };
  const server = await startTestPostgres(bin);
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database bench_raw');
    await admin.query('create database bench_app');
    await admin.end();
    const raw = new pg.Client({ connectionString: server.urlFor('bench_raw') });
    await raw.connect();
    const rawTps = await rawQueries((text, params) => raw.query(text, params));
    await raw.end();
    const database = await openDatabase({ kind: 'postgres', url: server.urlFor('bench_app') });
    const appTps = await exotrialInserts(database);
    await database.close();
    return { inserts: INSERTS, raw_pg_client_tps: rawTps, exotrial_database_tps: appTps };
  } finally {
    await server.stop();
  }
}

async function load(url: string) {
  const result = await autocannon({ url, connections: 50, duration: HTTP_SECONDS });
  return {
    requests_per_second: Math.round(result.requests.average),
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function httpFigures() {
  const body = JSON.stringify({ status: 'ok', database: 'pglite', version: '0.0.0' });
  const raw = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const rawPort = await freePort();
  await new Promise<void>((resolve) => raw.listen(rawPort, '127.0.0.1', resolve));
  const rawFigures = await load(`http://127.0.0.1:${rawPort}/`);
  raw.close();

  const dataDir = tempDir('bench-http-');
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: { kind: 'pglite' as const, dataDir } };
  const database = await openDatabase(config.database);
  try {
    const logger = pino({ level: 'silent' });
    const { studyId } = await bootstrap(database, config, logger);
    const app = await buildApp({ config, database, studyId }, { logger });
    const port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
    const appFigures = await load(`http://127.0.0.1:${port}/api/v1/health`);
    await app.close();
    return {
      seconds: HTTP_SECONDS,
      connections: 50,
      raw_node_http: rawFigures,
      exotrial_health_pglite: appFigures,
    };
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const chosen = process.argv.slice(2);
const sections: Record<string, () => Promise<unknown>> = {
  inserts: async () => ({ pglite: await pgliteFigures(), postgres: await postgresFigures() }),
  http: httpFigures,
  crf: crfSaveFigures,
  load: loadBenchFigures,
  scale: scaleBenchFigures,
  startup: startupBenchFigures,
};
const unknown = chosen.filter((name) => !(name in sections));
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown section ${unknown.join(', ')}; choose from ${Object.keys(sections).join(', ')}.\n`,
  );
  process.exit(2);
}
const names: Record<string, string> = {
  inserts: 'single_row_insert_transactions',
  http: 'http_health',
  crf: 'crf_form_saves',
  load: 'load_100_clients',
  scale: 'scale_participants',
  startup: 'startup',
};
const figures: Record<string, unknown> = {
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
};
for (const [section, run] of Object.entries(sections)) {
  if (chosen.length === 0 || chosen.includes(section)) figures[names[section] ?? section] = await run();
}
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
