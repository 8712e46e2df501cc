// Scale: the participant list, search, casebook and query inbox over HTTP with 1,000, 10,000 and
// 100,000 synthetic participants on PostgreSQL, and how each grows.
//
// Writing 100,000 participants through the services (audited, one transaction per form) would take
// most of a day, so the study is bulk-loaded with SQL batches into the real tables of a database that
// exotrial migrated and bootstrapped: participants across ten sites with screening log numbers, study
// numbers and site counters as the services make them; consents; the screening forms of the demo
// generator (src/synth/patient-forms.ts) and the clinical course of src/synth/clinical-course.ts (daily
// status, labs, CT, RT-PCR) as form records with revisioned entries; manual data queries and SDV marks.
// Audit events are not loaded: none of the pages measured reads them. The loaded databases are kept
// in BENCH_SCALE_CACHE between runs (delete the folder, or BENCH_SCALE_FRESH=1, to load again).
//
// Then a real `exotrial serve` process answers sequential requests, each timed to the last byte.
// Run: npm run bench -- scale   (BENCH_SCALE_SIZES=1000,10000 for a short run)
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { systemActor } from '../src/audit/audit.schema.ts';
import { createUser } from '../src/auth/user.service.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase, type Tx } from '../src/db/connection.ts';
import { encodeListCursor } from '../src/participants/participant.views.ts';
import { assessEligibility } from '../src/protocol/eligibility.ts';
import type { RuleInputValue } from '../src/protocol/rules/ast.ts';
import type { Protocol } from '../src/protocol/schema.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { currentProtocol } from '../src/study/protocol-store.ts';
import { syntheticCourse } from '../src/synth/clinical-course.ts';
import {
  addDays,
  type FormValues,
  fieldsOf,
  makeProfile,
  screenFailures,
  screeningForms,
} from '../src/synth/patient-forms.ts';
import { seededRandom } from '../src/synth/random.ts';
import { demoSites } from '../src/synth/staff.ts';
import { findPostgresBin, freePort } from '../test/support/postgres.ts';
import { startServerProcess } from '../test/support/server-process.ts';
import { type Answer, call, latencySummary, machine, type Session, signIn } from './bench-support.ts';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '1000,10000,100000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 200);
const CACHE = process.env.BENCH_SCALE_CACHE ?? join(tmpdir(), 'exotrial-bench-scale');
const FRESH = process.env.BENCH_SCALE_FRESH === '1';
const SITES = 10;
const SPAN_DAYS = 730;
const BATCH = 5_000;
/** Bump when the generated rows change, so cached databases are loaded again. */
const GENERATOR = 'scale-v1';
export const PASSWORD = 'bench scale password';
export const DATA_MANAGER = 'scale.datamanager@example.org';
export const COORDINATOR = 'scale.coordinator@example.org';
const TARGET_P99_MS = 100;

// ── PostgreSQL on a folder that outlives the run ────────────────────────────────────────────────

const isRoot = () => process.getuid?.() === 0;
const asPostgres = (command: string, args: string[]): [string, string[]] =>
  isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

/**
 * PostgreSQL with settings for a dedicated database host (docs/operations.md, "PostgreSQL set-up"): shared
 * buffers and cache sized to the data, SSD page costs, durable commits (fsync on).
 */
async function startCachedPostgres(bin: string) {
  mkdirSync(CACHE, { recursive: true });
  chmodSync(CACHE, 0o777);
  if (isRoot()) execFileSync('chown', ['postgres:postgres', CACHE]);
  const dataDir = join(CACHE, 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const [cmd, args] = asPostgres(join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    execFileSync(cmd, args, { stdio: 'pipe' });
  }
  const port = await freePort();
  const logFile = join(CACHE, 'postgres.log');
  const options = [
    `-p ${port} -h 127.0.0.1 -k ${CACHE}`,
    '-c max_connections=200 -c shared_buffers=512MB -c effective_cache_size=4GB',
    '-c work_mem=16MB -c maintenance_work_mem=256MB -c random_page_cost=1.1 -c fsync=on',
    // Fewer checkpoints while a large study is bulk-loaded.
    '-c max_wal_size=8GB -c checkpoint_timeout=30min',
  ].join(' ');
  const [cmd, args] = asPostgres(join(bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    logFile,
    '-o',
    options,
    '-w',
    'start',
  ]);
  try {
    execFileSync(cmd, args, { stdio: 'pipe' });
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
  }
  return {
    urlFor: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    stop: () => {
      const [stopCmd, stopArgs] = asPostgres(join(bin, 'pg_ctl'), [
        '-D',
        dataDir,
        '-m',
        'fast',
        '-w',
        'stop',
      ]);
      execFileSync(stopCmd, stopArgs, { stdio: 'pipe' });
    },
  };
}

// ── Bulk load ───────────────────────────────────────────────────────────────────────────────────

type Row = Record<string, unknown>;

/** Rows into a real table: one statement per batch, typed by the table itself. */
async function insertRows(trx: Tx, table: string, rows: Row[]): Promise<void> {
  for (let start = 0; start < rows.length; start += BATCH) {
    const batch = JSON.stringify(rows.slice(start, start + BATCH));
    await sql`insert into ${sql.table(table)} select * from jsonb_populate_recordset(null::${sql.table(table)}, ${batch}::jsonb)`.execute(
      trx,
    );
  }
}

const entriesOf = (values: FormValues) =>
  Object.fromEntries(
    Object.entries(fieldsOf(values)).map(([item, field]) => [item, { ...field, revision: 1 }]),
  );

/** The screening values keyed `form.item`, as the eligibility rules read them (src/crf/record-values.ts). */
function ruleValues(forms: Record<string, FormValues>): Record<string, RuleInputValue> {
  const values: Record<string, RuleInputValue> = {};
  for (const [formId, items] of Object.entries(forms)) {
    for (const [itemId, field] of Object.entries(fieldsOf(items))) {
      values[`${formId}.${itemId}`] = field.missing ? null : (field.value as RuleInputValue);
    }
  }
  return values;
}

interface Loaded {
  participants: number;
  formRecords: number;
  consents: number;
  queries: number;
  seconds: number;
}

export interface BulkOptions {
  size: number;
  sites: number;
  /** Screening dates spread evenly over this many days up to today. */
  spanDays: number;
}

/**
 * A synthetic study in bulk (see the head of this file), with a data manager and a coordinator of the
 * first site who sign in with PASSWORD. bench/load.ts seeds its study with it too.
 */
export async function bulkLoad(
  database: Database,
  studyId: string,
  protocol: Protocol,
  options: BulkOptions,
): Promise<Loaded> {
  const { size, spanDays } = options;
  const started = performance.now();
  const sites = await database.transaction((trx) => demoSites(trx, studyId, options.sites));
  const today = new Date().toISOString().slice(0, 10);
  const firstDay = addDays(today, -spanDays);
  const random = seededRandom(size);
  const counters = new Map<string, { screening: number; enrolment: number }>(
    sites.map((site) => [site.siteId, { screening: 0, enrolment: 0 }]),
  );
  const totals = { participants: 0, formRecords: 0, consents: 0, queries: 0 };
  const CHUNK = 2_000;
  for (let chunkStart = 0; chunkStart < size; chunkStart += CHUNK) {
    const participants: Row[] = [];
    const consents: Row[] = [];
    const records: Row[] = [];
    const queries: Row[] = [];
    const sdv: Row[] = [];
    for (let index = chunkStart; index < Math.min(size, chunkStart + CHUNK); index++) {
      const site = sites[index % sites.length];
      const counter = site && counters.get(site.siteId);
      if (!site || !counter) throw new Error('no site');
      counter.screening += 1;
      const participantId = randomUUID();
      const screeningDate = addDays(firstDay, Math.floor((index * spanDays) / size));
      const at = new Date(`${screeningDate}T02:00:00Z`);
      const draw = random.next();
      const recent = screeningDate >= addDays(today, -1);
      const outcome =
        recent && draw < 0.3
          ? 'screening'
          : draw < 0.2
            ? 'screen_failed'
            : draw < 0.27
              ? 'declined'
              : 'enrolled';
      const participant: Row = {
        study_id: studyId,
        participant_id: participantId,
        site_id: site.siteId,
        screening_number: `${site.code}-S${String(counter.screening).padStart(3, '0')}`,
        screening_date: screeningDate,
        study_number: null,
        status: outcome,
        status_date: null,
        status_reason: null,
        failed_criteria: null,
        day1_date: null,
        enrolled_at: null,
        eligibility_confirmed_at: null,
        eligibility_confirmed_by: null,
        locked_at: null,
        locked_by: null,
        protocol_version: 1,
        synthetic: true,
        created_at: at,
        updated_at: at,
        version: 1,
      };
      participants.push(participant);
      if (outcome === 'declined') {
        Object.assign(participant, { status_date: screeningDate, status_reason: 'Declined', version: 2 });
        continue;
      }
      consents.push({
        study_id: studyId,
        consent_id: randomUUID(),
        participant_id: participantId,
        form_version: '1.0',
        consented_at: new Date(`${screeningDate}T01:00:00Z`),
        obtained_by: COORDINATOR,
        signer: 'participant',
        representative_name: null,
        representative_relation: null,
        created_at: at,
      });
      const failure = outcome === 'screen_failed' ? random.pick(screenFailures) : null;
      const profile = makeProfile(random, failure, screeningDate);
      const forms = screeningForms(random, profile, screeningDate, 'participant');
      const record = (visitKey: string, formId: string, instance: number, values: FormValues) => {
        const recordId = randomUUID();
        records.push({
          study_id: studyId,
          record_id: recordId,
          participant_id: participantId,
          site_id: site.siteId,
          visit_id: visitKey,
          form_id: formId,
          instance,
          entries: entriesOf(values),
          protocol_version: 1,
          signed_at: null,
          signed_by: null,
          signed_version: null,
          locked_at: null,
          locked_by: null,
          created_at: at,
          updated_at: at,
          version: 1,
        });
        return recordId;
      };
      let vitalsRecordId = '';
      for (const [formId, values] of Object.entries(forms)) {
        // The course below brings its own screening labs, CT and RT-PCR.
        if (outcome === 'enrolled' && ['labs', 'chestCt', 'rtPcr'].includes(formId)) continue;
        const recordId = record('screening', formId, 1, values);
        if (formId === 'vitals') vitalsRecordId = recordId;
        if (formId === 'demographics' && random.chance(0.3)) {
          for (const itemId of Object.keys(entriesOf(values))) {
            sdv.push({
              study_id: studyId,
              record_id: recordId,
              item_id: itemId,
              verified_by: 'scale.monitor@example.org',
              verified_at: at,
              verified_revision: 1,
            });
          }
        }
      }
      if (random.chance(0.1) && vitalsRecordId) {
        const status = random.pick(['open', 'answered', 'closed', 'closed'] as const);
        queries.push({
          study_id: studyId,
          query_id: randomUUID(),
          record_id: vitalsRecordId,
          participant_id: participantId,
          site_id: site.siteId,
          visit_id: 'screening',
          form_id: 'vitals',
          item_id: 'heartRate',
          origin: 'manual',
          check_key: null,
          status,
          messages: [
            {
              at: at.toISOString(),
              by: 'scale.monitor@example.org',
              kind: 'raise',
              text: 'The source document shows a different value; please check.',
            },
          ],
          raised_by: 'scale.monitor@example.org',
          raised_at: at,
          updated_at: at,
          version: 1,
        });
      }
      if (outcome === 'screen_failed') {
        const failed = assessEligibility(protocol, ruleValues(forms)).failed;
        Object.assign(participant, {
          status_date: screeningDate,
          status_reason: 'Screen failure',
          failed_criteria: failed,
          version: 2,
        });
        continue;
      }
      if (outcome === 'screening') continue;
      counter.enrolment += 1;
      const day1Date = addDays(screeningDate, 1);
      const course = syntheticCourse(seededRandom(size * 1_000_003 + index), day1Date);
      const dated = (items: Record<string, unknown>) =>
        String(items.assessedOn ?? items.collectedOn ?? items.performedOn ?? day1Date) <= today;
      for (const entry of course.records) {
        if (dated(entry.values)) record(entry.visitKey, entry.formId, entry.instance, entry.values);
      }
      const ended = course.statusDate <= today;
      Object.assign(participant, {
        study_number: `${site.code}-${String(counter.enrolment).padStart(3, '0')}`,
        status: ended ? course.status : 'enrolled',
        status_date: ended ? course.statusDate : null,
        status_reason: ended ? (course.status === 'died' ? 'Death' : 'Completed day 28') : null,
        day1_date: day1Date,
        enrolled_at: at,
        eligibility_confirmed_at: at,
        eligibility_confirmed_by: 'scale.investigator@example.org',
        version: ended ? 4 : 3,
      });
    }
    await database.transaction(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      await insertRows(trx, 'participant', participants);
      await insertRows(trx, 'consent', consents);
      await insertRows(trx, 'form_record', records);
      await insertRows(trx, 'data_query', queries);
      await insertRows(trx, 'field_sdv', sdv);
    });
    totals.participants += participants.length;
    totals.consents += consents.length;
    totals.formRecords += records.length;
    totals.queries += queries.length;
  }
  await database.transaction(async (trx) => {
    for (const [siteId, counter] of counters) {
      for (const kind of ['screening', 'enrolment'] as const) {
        await trx
          .insertInto('site_counter')
          .values({ study_id: studyId, site_id: siteId, kind, last_value: counter[kind] })
          .execute();
      }
    }
    const coordinatorSite = sites[0]?.siteId ?? '';
    for (const [email, roles, siteIds] of [
      [DATA_MANAGER, ['data_manager'], []],
      [COORDINATOR, ['study_coordinator'], [coordinatorSite]],
    ] as const) {
      await createUser(trx, studyId, systemActor('bench'), {
        email,
        name: email.split('@')[0] ?? email,
        roles: [...roles],
        siteIds: [...siteIds],
        password: PASSWORD,
      });
    }
  });
  return { ...totals, seconds: Math.round((performance.now() - started) / 1000) };
}

// ── One size: load (or reuse), serve, measure ───────────────────────────────────────────────────

async function prepareDatabase(adminUrl: string, url: string, name: string, size: number) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query<{ note: string | null }>(
      "select shobj_description(oid, 'pg_database') as note from pg_database where datname = $1",
      [name],
    );
    const marker = `${GENERATOR} ${size}`;
    if (!FRESH && found.rows[0]?.note === marker) return { reused: true as const };
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: { kind: 'postgres' as const, url } };
    const database = await openDatabase(config.database);
    try {
      const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
      const { protocol } = await database.read((db) => currentProtocol(db, studyId));
      const loaded = await bulkLoad(database, studyId, protocol, { size, sites: SITES, spanDays: SPAN_DAYS });
      await sql`vacuum analyze`.execute(database.kysely);
      await admin.query(`comment on database ${name} is '${marker}'`);
      return { reused: false as const, loaded };
    } finally {
      await database.close();
    }
  } finally {
    await admin.end();
  }
}

interface Sample {
  kind: string;
  session: Session;
  path: () => string;
}

async function measure(baseUrl: string, sample: Sample) {
  const latencies: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < SAMPLES + 10; i++) {
    const path = sample.path();
    const answer: Answer = await call(baseUrl, sample.session, 'GET', path);
    if (answer.status !== 200) failures.push(`${answer.status} ${path}`);
    else if (i >= 10) latencies.push(answer.ms);
  }
  return {
    ...latencySummary(latencies),
    requests: latencies.length,
    errors: failures.length,
    failures: failures.slice(0, 3),
  };
}

async function scaleFigures(adminUrl: string, urlFor: (name: string) => string, size: number) {
  const name = `scale_${size}`;
  const url = urlFor(name);
  const prepared = await prepareDatabase(adminUrl, url, name, size);
  // A cached database gets any newer migration (e.g. indexes) when the server boots.
  const port = await freePort();
  const server = await startServerProcess(['--port', String(port)], {
    DATABASE_URL: url,
    EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
  });
  try {
    const baseUrl = server.url.replace(/\/$/, '');
    const dataManager = await signIn(baseUrl, DATA_MANAGER, PASSWORD);
    const coordinator = await signIn(baseUrl, COORDINATOR, PASSWORD);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const people = (
      await client.query<{
        participant_id: string;
        screening_number: string;
        screening_date: string;
        study_number: string | null;
        site_id: string;
      }>(
        "select participant_id, screening_number, to_char(screening_date, 'YYYY-MM-DD') as screening_date, study_number, site_id from participant order by random() limit 2000",
      )
    ).rows;
    const counts = (
      await client.query<{ participants: number; form_records: number; queries: number }>(
        'select (select count(*) from participant)::int as participants, (select count(*) from form_record)::int as form_records, (select count(*) from data_query)::int as queries',
      )
    ).rows[0];
    await client.end();
    const enrolled = people.filter((row) => row.study_number !== null);
    const coordinatorSite = (await call(baseUrl, coordinator, 'GET', '/participants?limit=1')).body as {
      items: Array<{ siteId: string }>;
    };
    const siteId = coordinatorSite.items[0]?.siteId ?? '';
    let turn = 0;
    const next = <T>(rows: T[]): T => {
      turn += 1;
      const row = rows[turn % rows.length];
      if (row === undefined) throw new Error('no rows to sample');
      return row;
    };
    const deepest = Math.max(0, size - 50);
    const samples: Sample[] = [
      { kind: 'list_first_page_50_all_sites', session: dataManager, path: () => '/participants?limit=50' },
      { kind: 'list_first_page_200_all_sites', session: dataManager, path: () => '/participants?limit=200' },
      {
        // The web pager's next page: a cursor after a random participant, anywhere in the list.
        kind: 'list_page_50_by_cursor_at_random_depth',
        session: dataManager,
        path: () => {
          const after = next(people);
          const cursor = encodeListCursor(
            { screeningDate: after.screening_date, screeningNumber: after.screening_number },
            {},
          );
          return `/participants?limit=50&cursor=${encodeURIComponent(cursor)}`;
        },
      },
      {
        kind: 'list_page_50_at_random_offset',
        session: dataManager,
        path: () => `/participants?limit=50&offset=${Math.floor(Math.random() * deepest)}`,
      },
      {
        kind: 'list_site_enrolled_coordinator',
        session: coordinator,
        path: () => `/participants?limit=200&status=enrolled&siteId=${siteId}`,
      },
      {
        kind: 'search_screening_number',
        session: dataManager,
        path: () => `/participants?limit=200&search=${encodeURIComponent(next(people).screening_number)}`,
      },
      {
        kind: 'search_study_number',
        session: dataManager,
        path: () => `/participants?limit=200&search=${encodeURIComponent(next(enrolled).study_number ?? '')}`,
      },
      {
        kind: 'search_partial_number',
        session: dataManager,
        path: () =>
          `/participants?limit=200&search=${encodeURIComponent(next(people).screening_number.slice(-4))}`,
      },
      {
        kind: 'casebook',
        session: dataManager,
        path: () => `/participants/${next(enrolled).participant_id}/casebook`,
      },
      { kind: 'query_inbox_open', session: dataManager, path: () => '/queries?status=open&limit=100' },
    ];
    const figures: Record<string, unknown> = {};
    for (const sample of samples) figures[sample.kind] = await measure(baseUrl, sample);
    return { participants: size, rows: counts, database: prepared, pages: figures };
  } finally {
    await server.stop();
  }
}

/** The figures of this benchmark, for bench/run.ts. */
export async function scaleBenchFigures() {
  const bin = findPostgresBin();
  if (!bin) return { skipped: 'PostgreSQL is not installed' };
  const postgres = await startCachedPostgres(bin);
  try {
    const bySize: Array<Awaited<ReturnType<typeof scaleFigures>>> = [];
    for (const size of SIZES)
      bySize.push(await scaleFigures(postgres.urlFor('postgres'), postgres.urlFor, size));
    const first = bySize[0];
    const last = bySize[bySize.length - 1];
    const growth: Record<string, unknown> = {};
    if (first && last) {
      for (const kind of Object.keys(last.pages)) {
        const p99 = (entry: typeof first) => (entry.pages[kind] as { p99_ms: number }).p99_ms;
        growth[kind] = {
          p99_ms_by_size: Object.fromEntries(bySize.map((entry) => [entry.participants, p99(entry)])),
          p99_growth: Number((p99(last) / Math.max(0.1, p99(first))).toFixed(2)),
          under_target: p99(last) < TARGET_P99_MS,
        };
      }
    }
    return {
      method:
        "bulk-loaded with SQL batches into the real tables (participants, consents, form records with the demo generator's values, queries, SDV); no audit events; sequential HTTP requests to an `exotrial serve` process on PostgreSQL",
      machine: machine(),
      samples_per_page: SAMPLES,
      target_p99_ms: TARGET_P99_MS,
      sizes: bySize,
      growth,
    };
  } finally {
    postgres.stop();
  }
}
