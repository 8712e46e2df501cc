// Load: 100 concurrent clients for 60 seconds against an `exotrial serve` process on PostgreSQL, with
// the mix of a busy trial day: coordinators opening and saving forms (with the version they read, so
// two people on the same form get 409), lists and searches, casebooks, the query inbox, monitors
// raising queries that coordinators answer, and pharmacists dispensing vials to participants due a dose.
//
// Seed: the bulk-loaded synthetic study of bench/scale.ts (real tables, the demo generator's form
// values) sized as one busy trial, 280 screened over four weeks on two sites, about 200 enrolled,
// those enrolled in the last five days due a dose today; staff created through the user service; a
// freezer and a released lot at each site through the API (release tests entered, release signed).
//
// Reported: requests per second, p50/p99 by request kind; expected conflicts (409) apart from errors;
// 5xx and transport errors (must be zero); the server's RSS every second (start, peak, end, slope); and
// afterwards the audit chain verified and the dispensings counted against the vials.
// Run: npm run bench -- load   (BENCH_LOAD_SECONDS=15 BENCH_LOAD_CLIENTS=20 for a short run)
import { readFileSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { verifyStudyChain } from '../src/audit/audit.query.ts';
import { systemActor } from '../src/audit/audit.schema.ts';
import { createUser } from '../src/auth/user.service.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/connection.ts';
import type { Role } from '../src/kernel/roles.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { currentProtocol } from '../src/study/protocol-store.ts';
import { listSites } from '../src/study/site.service.ts';
import { addDays } from '../src/synth/patient-forms.ts';
import { findPostgresBin, freePort, startTestPostgres } from '../test/support/postgres.ts';
import { startServerProcess } from '../test/support/server-process.ts';
import { type Answer, call, latencySummary, machine, type Session, signIn } from './bench-support.ts';
import { bulkLoad, DATA_MANAGER, PASSWORD } from './scale.ts';

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 100);
const SUBJECTS = Number(process.env.BENCH_LOAD_SUBJECTS ?? 280);
const SITES = 2;

/** Share of client operations by kind (a busy day of data entry, review and pharmacy). */
const MIX: Array<[Operation, number]> = [
  ['form_save', 25],
  ['casebook', 18],
  ['participant_list', 14],
  ['search', 10],
  ['query_inbox', 10],
  ['query_raise_answer', 8],
  ['participant_detail', 7],
  ['dispensing', 8],
];
type Operation =
  | 'form_save'
  | 'casebook'
  | 'participant_list'
  | 'search'
  | 'query_inbox'
  | 'query_raise_answer'
  | 'participant_detail'
  | 'dispensing';

const today = () => new Date().toISOString().slice(0, 10);

// ── Seed ────────────────────────────────────────────────────────────────────────────────────────

interface Seeded {
  studyId: string;
  sites: Array<{ siteId: string; code: string }>;
  staffEmails: { coordinators: string[]; monitor: string; dataManager: string; pharmacists: string[] };
  loaded: Awaited<ReturnType<typeof bulkLoad>>;
  seconds: number;
}

/**
 * The study of bench/scale.ts at the size of one busy trial: SUBJECTS screened over the last four
 * weeks on two sites (about 7 in 10 enrolled, with their screening and follow-up forms), so the
 * participants enrolled in the last five days are due a dose today; and a coordinator, a
 * pharmacist per site and a monitor of both, created through the user service.
 */
async function seed(database: Database, target: { kind: 'postgres'; url: string }): Promise<Seeded> {
  const started = performance.now();
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: target };
  const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
  const { protocol } = await database.read((db) => currentProtocol(db, studyId));
  const loaded = await bulkLoad(database, studyId, protocol, { size: SUBJECTS, sites: SITES, spanDays: 28 });
  const sites = (await database.read((db) => listSites(db, studyId)))
    .slice(0, SITES)
    .map((site) => ({ siteId: site.siteId, code: site.code }));
  const staffEmails: Seeded['staffEmails'] = {
    coordinators: [],
    monitor: 'monitor@bench.example.org',
    dataManager: DATA_MANAGER,
    pharmacists: [],
  };
  await database.transaction(async (trx) => {
    const add = (email: string, role: Role, siteIds: string[]) =>
      createUser(trx, studyId, systemActor('bench'), {
        email,
        name: email.split('@')[0] ?? email,
        roles: [role],
        siteIds,
        password: PASSWORD,
      });
    for (const site of sites) {
      const code = site.code.toLowerCase();
      staffEmails.coordinators.push(
        (await add(`coordinator.${code}@bench.example.org`, 'study_coordinator', [site.siteId])).email,
      );
      staffEmails.pharmacists.push(
        (await add(`pharmacist.${code}@bench.example.org`, 'pharmacist', [site.siteId])).email,
      );
    }
    await add(
      staffEmails.monitor,
      'monitor',
      sites.map((site) => site.siteId),
    );
  });
  return { studyId, sites, staffEmails, loaded, seconds: Math.round((performance.now() - started) / 1000) };
}

/** A freezer and a released lot of `vials` vials at each site, through the API as its pharmacist. */
async function stockSites(baseUrl: string, pharmacists: Session[], sites: Seeded['sites'], vials: number) {
  const concentration = 2.0e8 / 3;
  const results = [
    { testId: 'particle-count', value: concentration * 1.05 },
    { testId: 'modal-size', value: 118 },
    { testId: 'cd9', value: 'present' },
    { testId: 'cd63', value: 'present' },
    { testId: 'cd81', value: 'present' },
    { testId: 'tsg101', value: 'present' },
    { testId: 'calnexin', value: 'absent' },
    { testId: 'sterility', value: 'negative' },
    { testId: 'mycoplasma', value: 'negative' },
    { testId: 'endotoxin', value: 0.12 },
  ];
  const expect = (answer: Answer, status: number, what: string) => {
    if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, unknown>;
  };
  for (const [index, site] of sites.entries()) {
    const pharmacist = pharmacists[index];
    if (!pharmacist) throw new Error('no pharmacist');
    const unit = expect(
      await call(baseUrl, pharmacist, 'POST', '/product/storage-units', {
        code: `${site.code}-F1`,
        name: 'Pharmacy freezer 1',
        kind: 'freezer',
        siteId: site.siteId,
        nominalCelsius: -80,
        lowCelsius: -90,
        highCelsius: -60,
        excursionToleranceMinutes: 30,
      }),
      201,
      'storage unit',
    );
    const lot = expect(
      await call(baseUrl, pharmacist, 'POST', '/product/lots', {
        lotNumber: `EXO-LOAD-${site.code}`,
        manufacturer: 'Cellular Biomedicine Lab',
        manufacturedOn: addDays(today(), -10),
        concentrationPerMl: concentration,
        volumeMl: 3,
        vialCount: vials,
        unitId: unit.unitId,
      }),
      201,
      'lot',
    );
    expect(
      await call(baseUrl, pharmacist, 'PUT', `/product/lots/${lot.lotId}/release-results`, {
        results,
        version: 1,
      }),
      200,
      'release results',
    );
    expect(
      await call(baseUrl, pharmacist, 'POST', `/product/lots/${lot.lotId}/release`, {
        password: PASSWORD,
        version: 2,
      }),
      200,
      'release',
    );
  }
}

// ── Measurement ─────────────────────────────────────────────────────────────────────────────────

interface KindStats {
  ok: number;
  conflicts: number;
  client_errors: number;
  server_errors: number;
  transport_errors: number;
  latencies: number[];
  examples: string[];
  conflictExamples: string[];
}

class Recorder {
  readonly kinds = new Map<string, KindStats>();
  measuring = false;

  record(kind: string, answer: Answer | Error, expectConflict = true): Answer | null {
    if (!this.measuring) return answer instanceof Error ? null : answer;
    let stats = this.kinds.get(kind);
    if (!stats) {
      stats = {
        ok: 0,
        conflicts: 0,
        client_errors: 0,
        server_errors: 0,
        transport_errors: 0,
        latencies: [],
        examples: [],
        conflictExamples: [],
      };
      this.kinds.set(kind, stats);
    }
    if (answer instanceof Error) {
      stats.transport_errors += 1;
      if (stats.examples.length < 3) stats.examples.push(answer.message);
      return null;
    }
    stats.latencies.push(answer.ms);
    if (answer.status < 300) stats.ok += 1;
    else if (answer.status === 409 && expectConflict) {
      stats.conflicts += 1;
      if (stats.conflictExamples.length < 2)
        stats.conflictExamples.push(JSON.stringify(answer.body).slice(0, 160));
    } else {
      if (answer.status >= 500) stats.server_errors += 1;
      else stats.client_errors += 1;
      if (stats.examples.length < 3)
        stats.examples.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
    }
    return answer;
  }
}

/** RSS of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number | null {
  try {
    const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line?.[1] ? Math.round(Number(line[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Least-squares slope of RSS over time, MB per minute. */
function slopePerMinute(samples: Array<{ second: number; mb: number }>): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const meanX = samples.reduce((sum, s) => sum + s.second, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.second - meanX) * (s.mb - meanY);
    den += (s.second - meanX) ** 2;
  }
  return den === 0 ? 0 : Number(((num / den) * 60).toFixed(2));
}

interface Pools {
  enrolled: Array<{ participantId: string; siteId: string; screeningNumber: string; studyNumber: string }>;
  records: Array<{ recordId: string; siteId: string }>;
  /** Participants due a dose today and the dose visit: day 1 was 0 to 4 days ago. */
  due: Array<{ participantId: string; siteId: string; visitId: string }>;
}

async function loadPools(url: string, seeded: Seeded): Promise<Pools> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const enrolled = await client.query(
      `select participant_id, site_id, screening_number, study_number from participant
       where study_id = $1 and study_number is not null`,
      [seeded.studyId],
    );
    const due = await client.query(
      `select participant_id, site_id, (current_date - day1_date) + 1 as day from participant
       where study_id = $1 and status = 'enrolled' and day1_date between current_date - 4 and current_date`,
      [seeded.studyId],
    );
    const records = await client.query(
      `select record_id, site_id from form_record where study_id = $1 and form_id = 'vitals' and instance = 1`,
      [seeded.studyId],
    );
    return {
      enrolled: enrolled.rows.map((row) => ({
        participantId: row.participant_id,
        siteId: row.site_id,
        screeningNumber: row.screening_number,
        studyNumber: row.study_number,
      })),
      records: records.rows.map((row) => ({ recordId: row.record_id, siteId: row.site_id })),
      due: due.rows.map((row) => ({
        participantId: row.participant_id,
        siteId: row.site_id,
        visitId: `day-${row.day}`,
      })),
    };
  } finally {
    await client.end();
  }
}

function pickWeighted(): Operation {
  const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = Math.random() * total;
  for (const [operation, weight] of MIX) {
    draw -= weight;
    if (draw < 0) return operation;
  }
  return 'casebook';
}

const pick = <T>(items: T[]): T => {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('empty pool');
  return item;
};

interface Actors {
  coordinatorOf: Map<string, Session>;
  pharmacistOf: Map<string, Session>;
  monitor: Session;
  dataManager: Session;
}

/** One client operation: one or two requests, each recorded under its own kind. */
async function operate(
  baseUrl: string,
  operation: Operation,
  pools: Pools,
  actors: Actors,
  recorder: Recorder,
) {
  const request = async (
    kind: string,
    session: Session,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ) => recorder.record(kind, await call(baseUrl, session, method, path, body).catch((error: Error) => error));
  const coordinator = (siteId: string) => actors.coordinatorOf.get(siteId) ?? actors.dataManager;
  switch (operation) {
    case 'form_save': {
      // Open a concomitant-medication entry, then save it with the version read: a new entry, or a
      // change of its indication (with the reason). Two clients on the same entry: one gets 409.
      const participant = pick(pools.enrolled);
      const session = coordinator(participant.siteId);
      const url = `/participants/${participant.participantId}/visits/screening/forms/conmeds?instance=${1 + Math.floor(Math.random() * 4)}`;
      const read = await request('form_read', session, 'GET', url);
      if (read?.status !== 200) return;
      const { version } = read.body as { version: number };
      const stamp = `${Date.now().toString(36)}`;
      await request(
        'form_save',
        session,
        'PUT',
        url,
        version === 0
          ? {
              version,
              entries: {
                medication: { value: 'Dexamethasone' },
                category: { value: 'corticosteroid' },
                indication: { value: `Severe COVID-19 pneumonia ${stamp}` },
                startDate: { value: addDays(today(), -3) },
                ongoing: { value: true },
              },
            }
          : {
              version,
              entries: { indication: { value: `Severe COVID-19 pneumonia ${stamp}` } },
              reason: 'Indication worded as in the prescription',
            },
      );
      return;
    }
    case 'casebook': {
      const participant = pick(pools.enrolled);
      await request(
        'casebook',
        coordinator(participant.siteId),
        'GET',
        `/participants/${participant.participantId}/casebook`,
      );
      return;
    }
    case 'participant_detail': {
      const participant = pick(pools.enrolled);
      await request(
        'participant_detail',
        coordinator(participant.siteId),
        'GET',
        `/participants/${participant.participantId}`,
      );
      return;
    }
    case 'participant_list': {
      const session = Math.random() < 0.3 ? actors.dataManager : coordinator(pick(pools.enrolled).siteId);
      await request(
        'participant_list',
        session,
        'GET',
        Math.random() < 0.3 ? '/participants?limit=200&status=enrolled' : '/participants?limit=200',
      );
      return;
    }
    case 'search': {
      const participant = pick(pools.enrolled);
      const term = pick([
        participant.screeningNumber,
        participant.studyNumber,
        participant.studyNumber.slice(-3),
      ]);
      await request(
        'search',
        coordinator(participant.siteId),
        'GET',
        `/participants?limit=200&search=${encodeURIComponent(term)}`,
      );
      return;
    }
    case 'query_inbox': {
      const session = Math.random() < 0.5 ? actors.monitor : coordinator(pick(pools.enrolled).siteId);
      await request('query_inbox', session, 'GET', '/queries?status=open&limit=100');
      return;
    }
    case 'query_raise_answer': {
      const record = pick(pools.records);
      const raised = await request('query_raise', actors.monitor, 'POST', '/queries', {
        recordId: record.recordId,
        itemId: 'heartRate',
        text: 'The nursing chart shows a different heart rate; please check.',
      });
      if (raised?.status !== 201) return;
      const query = raised.body as { queryId: string; version: number };
      await request('query_answer', coordinator(record.siteId), 'POST', `/queries/${query.queryId}/answer`, {
        text: 'Checked against the chart: the value entered is correct.',
        version: query.version,
      });
      return;
    }
    case 'dispensing': {
      // A participant due a dose: the proposed vial is scanned and dispensed. Two pharmacists may be
      // proposed the same vial at once: the second dispensing is refused with 409.
      const due = pools.due.shift();
      if (!due) {
        const siteId = pick(pools.enrolled).siteId;
        const pharmacist = actors.pharmacistOf.get(siteId) ?? actors.dataManager;
        await request(
          'vial_stock',
          pharmacist,
          'GET',
          `/product/vials?siteId=${siteId}&state=in_stock&limit=200`,
        );
        return;
      }
      const pharmacist = actors.pharmacistOf.get(due.siteId) ?? actors.dataManager;
      const proposal = await request(
        'dispense_proposal',
        pharmacist,
        'GET',
        `/product/participants/${due.participantId}/proposal?visitId=${due.visitId}`,
      );
      if (proposal?.status !== 200) return;
      const { vial } = proposal.body as { vial: { vialId: string; code: string } };
      const dispensed = await request('dispense', pharmacist, 'POST', '/product/dispensings', {
        participantId: due.participantId,
        visitId: due.visitId,
        expectedVialId: vial.vialId,
        scannedCode: vial.code,
      });
      // Refused because another pharmacist took that vial first: the participant is still due.
      if (dispensed?.status === 409) pools.due.push(due);
      return;
    }
  }
}

async function verifyAfterwards(url: string, studyId: string) {
  const database = await openDatabase({ kind: 'postgres', url });
  try {
    const chain = await verifyStudyChain(database, studyId);
    const counts = await database.read(async (db) => {
      const dispensings = await db
        .selectFrom('dispensing')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('study_id', '=', studyId)
        .executeTakeFirstOrThrow();
      const dispensedVials = await db
        .selectFrom('vial')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('study_id', '=', studyId)
        .where('state', '=', 'dispensed')
        .executeTakeFirstOrThrow();
      const twice = await db
        .selectFrom('dispensing')
        .select(['participant_id', 'visit_id'])
        .where('study_id', '=', studyId)
        .groupBy(['participant_id', 'visit_id'])
        .having((eb) => eb.fn.countAll(), '>', 1)
        .execute();
      return {
        dispensings: Number(dispensings.count),
        dispensed_vials: Number(dispensedVials.count),
        doses_dispensed_twice: twice.length,
      };
    });
    return { audit_chain: chain, ...counts };
  } finally {
    await database.close();
  }
}

/** The figures of this benchmark, for bench/run.ts. */
export async function loadBenchFigures() {
  const bin = findPostgresBin();
  if (!bin) return { skipped: 'PostgreSQL is not installed' };
  const postgres = await startTestPostgres(bin);
  try {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('create database bench_load');
    await admin.end();
    const target = { kind: 'postgres' as const, url: postgres.urlFor('bench_load') };
    const database = await openDatabase(target);
    let seeded: Seeded;
    try {
      seeded = await seed(database, target);
    } finally {
      await database.close();
    }
    const port = await freePort();
    const server = await startServerProcess(['--port', String(port)], {
      DATABASE_URL: target.url,
      EXOTRIAL_LOGIN_RATE_LIMIT: '1000',
      // e.g. --max-old-space-size=160: a leak then ends in an out-of-memory crash, a lazy heap levels off.
      ...(process.env.BENCH_LOAD_SERVER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_LOAD_SERVER_NODE_OPTIONS }
        : {}),
    });
    const pid = server.child.pid ?? 0;
    try {
      const baseUrl = server.url.replace(/\/$/, '');
      const pharmacists = await Promise.all(
        seeded.staffEmails.pharmacists.map((email) => signIn(baseUrl, email, PASSWORD)),
      );
      const pools = await loadPools(target.url, seeded);
      await stockSites(baseUrl, pharmacists, seeded.sites, pools.due.length + 40);
      const coordinators = await Promise.all(
        seeded.staffEmails.coordinators.map((email) => signIn(baseUrl, email, PASSWORD)),
      );
      const actors: Actors = {
        coordinatorOf: new Map(
          seeded.sites.map((site, index) => [site.siteId, coordinators[index] as Session]),
        ),
        pharmacistOf: new Map(
          seeded.sites.map((site, index) => [site.siteId, pharmacists[index] as Session]),
        ),
        monitor: await signIn(baseUrl, seeded.staffEmails.monitor, PASSWORD),
        dataManager: await signIn(baseUrl, seeded.staffEmails.dataManager, PASSWORD),
      };
      const dueAtStart = pools.due.length;
      const recorder = new Recorder();
      const rss: Array<{ second: number; mb: number }> = [];
      const started = performance.now();
      recorder.measuring = true;
      const sampler = setInterval(() => {
        const mb = rssMb(pid);
        if (mb !== null) rss.push({ second: Math.round((performance.now() - started) / 1000), mb });
      }, 1000);
      const before = rssMb(pid);
      if (before !== null) rss.push({ second: 0, mb: before });
      const deadline = started + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < deadline)
            await operate(baseUrl, pickWeighted(), pools, actors, recorder);
        }),
      );
      recorder.measuring = false;
      clearInterval(sampler);
      const elapsed = (performance.now() - started) / 1000;
      const kinds: Record<string, unknown> = {};
      const total = {
        requests: 0,
        ok: 0,
        conflicts: 0,
        client_errors: 0,
        server_errors: 0,
        transport_errors: 0,
      };
      const all: number[] = [];
      for (const [kind, stats] of [...recorder.kinds].sort(([a], [b]) => a.localeCompare(b))) {
        const requests = stats.latencies.length + stats.transport_errors;
        kinds[kind] = {
          requests,
          per_second: Number((requests / elapsed).toFixed(1)),
          ...latencySummary(stats.latencies),
          ok: stats.ok,
          conflicts_409: stats.conflicts,
          client_errors: stats.client_errors,
          server_errors: stats.server_errors,
          transport_errors: stats.transport_errors,
          ...(stats.examples.length ? { examples: stats.examples } : {}),
          ...(stats.conflictExamples.length ? { conflict_examples: stats.conflictExamples } : {}),
        };
        total.requests += requests;
        total.ok += stats.ok;
        total.conflicts += stats.conflicts;
        total.client_errors += stats.client_errors;
        total.server_errors += stats.server_errors;
        total.transport_errors += stats.transport_errors;
        all.push(...stats.latencies);
      }
      const half = rss.filter((sample) => sample.second >= elapsed / 2);
      const mbs = rss.map((sample) => sample.mb);
      return {
        machine: machine(),
        seconds: Number(elapsed.toFixed(1)),
        clients: CLIENTS,
        seed: {
          screened: seeded.loaded.participants,
          enrolled: pools.enrolled.length,
          form_records: seeded.loaded.formRecords,
          due_a_dose_today: dueAtStart,
          sites: seeded.sites.length,
          seconds: seeded.seconds,
        },
        total: {
          ...total,
          per_second: Number((total.requests / elapsed).toFixed(1)),
          ...latencySummary(all),
          passed: total.server_errors === 0 && total.transport_errors === 0 && total.client_errors === 0,
        },
        kinds,
        server_rss_mb: {
          start: mbs[0] ?? null,
          peak: mbs.length ? Math.max(...mbs) : null,
          end: mbs[mbs.length - 1] ?? null,
          slope_mb_per_minute: slopePerMinute(rss),
          slope_second_half_mb_per_minute: slopePerMinute(half),
          samples: mbs,
        },
        after: await verifyAfterwards(target.url, seeded.studyId),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await postgres.stop();
  }
}
