// The trial report on a large synthetic study: BENCH_REPORT_SUBJECTS enrolled participants (10,000 by
// default) with their daily clinical status (src/synth/clinical-course.ts), five doses each in the
// dosing module's table (some interrupted or not given, each given dose from a dispensed vial) and
// adverse events in the safety module's table. Building that many participants through the services
// takes hours, so the rows are inserted in bulk with SQL into an embedded PGlite database migrated
// and bootstrapped as the server does. Then the report is timed as GET /api/v1/report does it:
// loadReport (one read of every source row + the model) and the HTML rendering, three rounds each.
// BENCH_REPORT_DATA=DIR keeps the database in DIR and reuses it on the next run (the counts inserted
// are kept beside it in DIR.json), so only the first run pays for the insert.
// BENCH_REPORT_DATABASE_URL=postgres://… runs it on PostgreSQL instead (an empty database is filled;
// one that already holds the participants is reused).
// Prints JSON figures. Run: node bin/run-ts.js bench/report.ts
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type DatabaseTarget, loadConfig } from '../src/config.ts';
import { type Database, openDatabase, type Tx } from '../src/db/connection.ts';
import { loadOutcomeSources } from '../src/outcomes/outcomes.loader.ts';
import type { Protocol } from '../src/protocol/schema.ts';
import { renderReportHtml } from '../src/report/report.html.ts';
import { buildReportModel, reportJson } from '../src/report/report.model.ts';
import { loadReport } from '../src/report/report.service.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { currentProtocol } from '../src/study/protocol-store.ts';
import { syntheticCourse } from '../src/synth/clinical-course.ts';
import { seededRandom } from '../src/synth/random.ts';

const SUBJECTS = Number(process.env.BENCH_REPORT_SUBJECTS ?? 10_000);
const ROUNDS = 3;
const CHUNK = 1_000;
const DAY = 86_400_000;

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

async function insertChunked(trx: Tx, table: string, rows: Record<string, unknown>[]) {
  for (let start = 0; start < rows.length; start += CHUNK) {
    // biome-ignore lint/suspicious/noExplicitAny: rows of several tables share this bulk loader.
    await (trx as any)
      .insertInto(table)
      .values(rows.slice(start, start + CHUNK))
      .execute();
  }
}

interface Inserted {
  rows: Record<'form_record' | 'dosing_administration' | 'dispensing' | 'adverse_event', number>;
  recorded: { completed: number; interrupted: number; notGiven: number };
  events: number;
  /** null when the rows were counted back from a reused PostgreSQL database. */
  insertSeconds: number | null;
}

/** What an earlier run left in a PostgreSQL database, counted back; null when it holds no participants. */
async function insertedOnServer(
  database: Database,
  studyId: string,
): Promise<(Inserted & { subjects: number }) | null> {
  return database.read(async (db) => {
    const count = async (table: 'participant' | keyof Inserted['rows']) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('study_id', '=', studyId)
            .executeTakeFirstOrThrow()
        ).count,
      );
    const subjects = await count('participant');
    if (subjects === 0) return null;
    const statuses = await db
      .selectFrom('dosing_administration')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('study_id', '=', studyId)
      .groupBy('status')
      .execute();
    const of = (status: string) => Number(statuses.find((row) => row.status === status)?.count ?? 0);
    const events = await count('adverse_event');
    return {
      subjects,
      rows: {
        form_record: await count('form_record'),
        dosing_administration: await count('dosing_administration'),
        dispensing: await count('dispensing'),
        adverse_event: events,
      },
      recorded: { completed: of('completed'), interrupted: of('interrupted'), notGiven: of('not-given') },
      events,
      insertSeconds: null,
    };
  });
}

/** Inserts the synthetic study in bulk; returns what was inserted, for the report's figures to match. */
async function insertStudy(
  database: Database,
  studyId: string,
  protocol: Protocol,
  siteId: string,
): Promise<Inserted> {
  const doseVisits = protocol.regimen.doseVisits;
  const random = seededRandom(2020);
  const now = new Date();
  const participants: Record<string, unknown>[] = [];
  const records: Record<string, unknown>[] = [];
  const vials: Record<string, unknown>[] = [];
  const dispensings: Record<string, unknown>[] = [];
  const doses: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  const lotId = randomUUID();
  const terms = ['Cough', 'Headache', 'Nausea', 'Dyspnoea', 'Fever'];
  const recorded = { completed: 0, interrupted: 0, notGiven: 0 };
  for (let index = 0; index < SUBJECTS; index++) {
    const participantId = randomUUID();
    const day1Date = addDays('2020-02-01', Math.floor(index / 30));
    const course = syntheticCourse(random.fork(`participant ${index}`), day1Date);
    const label = `RJ-${String(index + 1).padStart(5, '0')}`;
    participants.push({
      study_id: studyId,
      participant_id: participantId,
      site_id: siteId,
      screening_number: `S-${String(index + 1).padStart(5, '0')}`,
      screening_date: addDays(day1Date, -1),
      study_number: label,
      status: course.status,
      status_date: course.statusDate,
      status_reason: null,
      failed_criteria: null,
      day1_date: day1Date,
      enrolled_at: now,
      eligibility_confirmed_at: now,
      eligibility_confirmed_by: 'bench',
      locked_at: null,
      locked_by: null,
      protocol_version: 1,
      synthetic: true,
      created_at: now,
      updated_at: now,
    });
    for (const record of course.records) {
      records.push({
        study_id: studyId,
        record_id: randomUUID(),
        participant_id: participantId,
        site_id: siteId,
        visit_id: record.visitKey,
        form_id: record.formId,
        instance: record.instance,
        entries: JSON.stringify(
          Object.fromEntries(Object.entries(record.values).map(([item, value]) => [item, { value }])),
        ),
        protocol_version: 1,
        signed_at: null,
        signed_by: null,
        signed_version: null,
        locked_at: null,
        locked_by: null,
        created_at: now,
        updated_at: now,
      });
    }
    doseVisits.forEach((visitId, dose) => {
      const draw = random.next();
      const status = draw < 0.9 ? 'completed' : draw < 0.95 ? 'interrupted' : 'not-given';
      const date = addDays(day1Date, dose);
      let dispensingId: string | null = null;
      if (status !== 'not-given') {
        const vialId = randomUUID();
        dispensingId = randomUUID();
        vials.push({
          study_id: studyId,
          vial_id: vialId,
          lot_id: lotId,
          code: `V-${index}-${dose}`,
          sequence: vials.length + 1,
          state: 'dispensed',
          site_id: siteId,
          shelf_used: 0,
          located_at: now,
          expires_at: new Date(now.getTime() + 365 * DAY),
          updated_at: now,
        });
        dispensings.push({
          study_id: studyId,
          dispensing_id: dispensingId,
          participant_id: participantId,
          visit_id: visitId,
          vial_id: vialId,
          lot_id: lotId,
          site_id: siteId,
          dispensed_at: new Date(`${date}T00:30:00Z`),
          dispensed_by: 'bench',
          dispensed_by_name: 'Bench Pharmacist',
          thawed_at: new Date(`${date}T00:40:00Z`),
        });
      }
      if (status === 'completed') recorded.completed++;
      else if (status === 'interrupted') recorded.interrupted++;
      else recorded.notGiven++;
      doses.push({
        study_id: studyId,
        administration_id: randomUUID(),
        participant_id: participantId,
        site_id: siteId,
        visit_id: visitId,
        dose_number: dose + 1,
        status,
        dispensing_id: dispensingId,
        vial_number: dispensingId ? `V-${index}-${dose}` : null,
        device: dispensingId ? 'vibrating-mesh' : null,
        started_local: dispensingId ? `${date}T09:00` : null,
        started_at: dispensingId ? new Date(`${date}T01:00:00Z`) : null,
        ended_local: dispensingId ? `${date}T09:20` : null,
        ended_at: dispensingId ? new Date(`${date}T01:20:00Z`) : null,
        volume_ml: dispensingId ? (status === 'completed' ? 3 : 1.5) : null,
        interruption_reason: status === 'interrupted' ? 'Coughing' : null,
        not_given_reason: status === 'not-given' ? 'Declined' : null,
        window_reason: null,
        bronchospasm: false,
        new_cough: false,
        protocol_version: 1,
        created_at: now,
        created_by: 'bench',
        updated_at: now,
      });
    });
    const eventCount = random.next() < 0.3 ? (random.next() < 0.2 ? 2 : 1) : 0;
    for (let number = 1; number <= eventCount; number++) {
      const serious = random.next() < 0.1;
      const onset = `${addDays(day1Date, Math.floor(random.next() * 10))}T10:00`;
      events.push({
        study_id: studyId,
        ae_id: randomUUID(),
        participant_id: participantId,
        site_id: siteId,
        ae_number: number,
        entries: JSON.stringify({
          term: { value: terms[Math.floor(random.next() * terms.length)] },
          onsetAt: { value: onset },
          ongoing: { value: false },
          grade: { value: serious ? 3 : 1 + Math.floor(random.next() * 2) },
          serious: { value: serious },
          ...(serious
            ? { seriousnessCriteria: { value: ['hospitalisation'] }, awareAt: { value: onset } }
            : {}),
          causality: { value: random.next() < 0.3 ? 'possible' : 'unlikely' },
          outcome: { value: 'recovered' },
        }),
        term_code: null,
        administration_id: null,
        protocol_version: 1,
        created_at: now,
        created_by: 'bench',
        updated_at: now,
      });
    }
  }

  const t0 = performance.now();
  await database.transaction(async (trx) => {
    await trx
      .insertInto('product_lot')
      .values({
        study_id: studyId,
        lot_id: lotId,
        lot_number: 'BENCH-LOT',
        manufacturer: 'Bench',
        manufactured_on: '2020-01-01',
        concentration_per_ml: 6.7e7,
        volume_ml: 3,
        vial_count: vials.length,
        status: 'released',
        created_at: now,
        created_by: 'bench',
        updated_at: now,
      } as never)
      .execute();
    await insertChunked(trx, 'participant', participants);
    await insertChunked(trx, 'form_record', records);
    await insertChunked(trx, 'vial', vials);
    await insertChunked(trx, 'dispensing', dispensings);
    await insertChunked(trx, 'dosing_administration', doses);
    await insertChunked(trx, 'adverse_event', events);
  });
  return {
    rows: {
      form_record: records.length,
      dosing_administration: doses.length,
      dispensing: dispensings.length,
      adverse_event: events.length,
    },
    recorded,
    events: events.length,
    insertSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
}

const databaseUrl = process.env.BENCH_REPORT_DATABASE_URL;
const cacheDir = databaseUrl ? undefined : process.env.BENCH_REPORT_DATA;
const dataDir = databaseUrl ? null : (cacheDir ?? mkdtempSync(join(tmpdir(), 'bench-report-')));
const cacheFile = dataDir ? `${dataDir.replace(/\/+$/, '')}.json` : null;
const cached =
  cacheDir && cacheFile && existsSync(cacheFile)
    ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Inserted & { subjects: number })
    : null;
if (cached && cached.subjects !== SUBJECTS) {
  throw new Error(
    `${dataDir} holds ${cached.subjects} participants, not ${SUBJECTS}: remove it and ${cacheFile}, or set BENCH_REPORT_SUBJECTS=${cached.subjects}.`,
  );
}
const target: DatabaseTarget = databaseUrl
  ? { kind: 'postgres', url: databaseUrl }
  : { kind: 'pglite', dataDir: dataDir as string };
const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: target };
const database = await openDatabase(config.database);
try {
  const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
  const { protocol, siteId } = await database.read(async (db) => ({
    protocol: (await currentProtocol(db, studyId)).protocol,
    siteId: (
      await db.selectFrom('site').select('site_id').where('study_id', '=', studyId).executeTakeFirstOrThrow()
    ).site_id,
  }));
  // On PostgreSQL the database at the URL is reused when it already holds the study's participants;
  // what was inserted is then counted back from it.
  const onServer = databaseUrl ? await insertedOnServer(database, studyId) : null;
  if (onServer && onServer.subjects !== SUBJECTS) {
    throw new Error(
      `The database at BENCH_REPORT_DATABASE_URL holds ${onServer.subjects} participants, not ${SUBJECTS}: use an empty database or set BENCH_REPORT_SUBJECTS=${onServer.subjects}.`,
    );
  }
  const reused = cached ?? onServer;
  const inserted = reused ?? (await insertStudy(database, studyId, protocol, siteId));
  if (cacheDir && cacheFile && !cached)
    writeFileSync(cacheFile, JSON.stringify({ subjects: SUBJECTS, ...inserted }));
  const { recorded } = inserted;
  const rssBefore = process.memoryUsage().rss;
  let t0 = performance.now();

  const loads: number[] = [];
  const htmls: number[] = [];
  let last: Awaited<ReturnType<typeof loadReport>> | undefined;
  let htmlBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    t0 = performance.now();
    last = await loadReport(database, studyId, null);
    loads.push(performance.now() - t0);
    t0 = performance.now();
    htmlBytes = Buffer.byteLength(renderReportHtml(last.model, last.protocol));
    htmls.push(performance.now() - t0);
  }
  if (!last) throw new Error('no round ran');
  // The two halves of loadReport: reading the source rows, and the model from them.
  t0 = performance.now();
  const sources = await database.read((db) => loadOutcomeSources(db, studyId, protocol));
  const readMs = performance.now() - t0;
  t0 = performance.now();
  buildReportModel({
    dataCut: last.model.dataCut,
    protocolVersion: last.model.protocolVersion,
    protocolVersionNo: last.model.protocolVersionNo,
    protocol,
    sources,
  });
  const modelMs = performance.now() - t0;
  t0 = performance.now();
  const jsonBytes = Buffer.byteLength(JSON.stringify(reportJson(last.model)));
  const jsonMs = performance.now() - t0;
  const json = reportJson(last.model);
  const reportedDoses = json.dosing.doses.reduce(
    (sum, row) => ({
      completed: sum.completed + row.completed,
      interrupted: sum.interrupted + row.interrupted,
      notGiven: sum.notGiven + row.notGiven,
    }),
    { completed: 0, interrupted: 0, notGiven: 0 },
  );
  const round = (value: number) => Math.round(value);
  const megabytes = (bytes: number) => Math.round(bytes / 1_048_576);
  const best = (values: number[]) => round(Math.min(...values));
  const figures = {
    subjects: SUBJECTS,
    rows: inserted.rows,
    database: target.kind,
    bulkInsertSeconds: reused
      ? `${inserted.insertSeconds ?? '?'} (earlier run; reused ${dataDir ?? 'the database at BENCH_REPORT_DATABASE_URL'})`
      : inserted.insertSeconds,
    loadAndModelMs: { best: best(loads), rounds: loads.map(round) },
    of_which: { readSourcesMs: round(readMs), modelMs: round(modelMs) },
    htmlMs: { best: best(htmls), rounds: htmls.map(round) },
    reportMs: best(loads) + best(htmls),
    jsonMs: round(jsonMs),
    htmlBytes,
    jsonBytes,
    checks: {
      dosesAsRecorded:
        reportedDoses.completed === recorded.completed &&
        reportedDoses.interrupted === recorded.interrupted &&
        reportedDoses.notGiven === recorded.notGiven,
      eventsAsRecorded: json.safety?.events === inserted.events,
      enrolled: json.consort.enrolled,
      ttciMedian: json.efficacy.ttci?.kaplanMeier?.median ?? null,
    },
    // Resident memory of the process (PGlite's heap included) before the report rounds, and the
    // process's peak (with a reused database, the peak of the report rounds; else of the insert too).
    rssMb: { beforeReport: megabytes(rssBefore), peak: megabytes(process.resourceUsage().maxRSS * 1024) },
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await database.close();
  if (dataDir && !cacheDir) rmSync(dataDir, { recursive: true, force: true });
}
