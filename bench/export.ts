// Export figures, printed as JSON.
//
// 1. XPT writer: items (rows × variables) per second of our SAS transport writer beside R's
//    haven::write_xpt on the same data in the same run. The data set is written as CSV for R to read
//    first; only the write step is timed on both sides (R times write_xpt itself with proc.time).
// 2. A large synthetic study: BENCH_EXPORT_SUBJECTS enrolled participants (10,000 by default), each
//    with demographics, labs, vital signs at four dose timepoints, 14 days of clinical status and two
//    doses from dispensed vials, inserted in bulk with SQL into an embedded PGlite database migrated
//    and bootstrapped as the server does (building them through the services would take hours). Then
//    SDTM (XPT, every domain) is exported while the process's resident memory is sampled; PGlite runs
//    in the same process, so its memory counts too.
//
// Run: node bin/run-ts.js bench/export.ts   (BENCH_XPT_ROWS, BENCH_EXPORT_SUBJECTS to resize)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type Tx } from '../src/db/connection.ts';
import { csvLine } from '../src/exchange/csv.ts';
import { defaultPrivacy } from '../src/exchange/privacy.ts';
import { exportSdtmDirectory } from '../src/exchange/sdtm/sdtm-files.ts';
import {
  libraryHeader,
  memberHeader,
  type XptDataset,
  XptObservationWriter,
  type XptValue,
} from '../src/exchange/xpt/xpt-writer.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { sampleVitals } from '../src/synth/sample-patient.ts';

const XPT_ROWS = Number(process.env.BENCH_XPT_ROWS ?? 200_000);
const SUBJECTS = Number(process.env.BENCH_EXPORT_SUBJECTS ?? 10_000);
const CHUNK = 1_000;
const DAY = 86_400_000;
const work = mkdtempSync(join(tmpdir(), 'bench-export-'));
const megabytes = (bytes: number) => Math.round(bytes / 1_048_576);

/** A findings-like data set: six character and six numeric variables, deterministic values. */
function syntheticDataset(rows: number): { dataset: XptDataset; values: XptValue[][] } {
  const variables: XptDataset['variables'] = [
    { name: 'STUDYID', label: 'Study Identifier', type: 'char', length: 8 },
    { name: 'USUBJID', label: 'Unique Subject Identifier', type: 'char', length: 20 },
    { name: 'VSTESTCD', label: 'Test Short Name', type: 'char', length: 8 },
    { name: 'VSORRES', label: 'Result in Original Units', type: 'char', length: 12 },
    { name: 'VSORRESU', label: 'Original Units', type: 'char', length: 12 },
    { name: 'VSDTC', label: 'Date/Time of Measurements', type: 'char', length: 20 },
    { name: 'VSSEQ', label: 'Sequence Number', type: 'num', length: 8 },
    { name: 'VSSTRESN', label: 'Numeric Result', type: 'num', length: 8 },
    { name: 'VISITNUM', label: 'Visit Number', type: 'num', length: 8 },
    { name: 'VSDY', label: 'Study Day', type: 'num', length: 8 },
    { name: 'VSTPTNUM', label: 'Planned Time Point Number', type: 'num', length: 8 },
    { name: 'VSBLFLN', label: 'Baseline Flag (numeric)', type: 'num', length: 8 },
  ];
  const tests: Array<[string, string]> = [
    ['TEMP', 'C'],
    ['HR', 'beats/min'],
    ['RESP', 'breaths/min'],
    ['SYSBP', 'mmHg'],
    ['DIABP', 'mmHg'],
    ['OXYSAT', '%'],
  ];
  const values: XptValue[][] = [];
  for (let index = 0; index < rows; index++) {
    const [code, unit] = tests[index % tests.length] as [string, string];
    const result = Math.round((36 + ((index * 7919) % 1000) / 10) * 10) / 10;
    values.push([
      'MEXCOVID',
      `MEXCOVID-RJ-${String(Math.floor(index / 48) + 1).padStart(5, '0')}`,
      code,
      String(result),
      unit,
      `2020-02-${String((index % 28) + 1).padStart(2, '0')}T08:30`,
      (index % 48) + 1,
      result,
      (index % 12) + 1,
      (index % 28) + 1,
      index % 3 === 0 ? null : (index % 3) + 1,
      index % 48 < 6 ? 1 : null,
    ]);
  }
  return { dataset: { name: 'VS', label: 'Vital Signs', variables }, values };
}

function xptFigures() {
  const { dataset, values } = syntheticDataset(XPT_ROWS);
  const items = XPT_ROWS * dataset.variables.length;
  const csvFile = join(work, 'vs.csv');
  writeFileSync(
    csvFile,
    csvLine(dataset.variables.map((variable) => variable.name)) + values.map((row) => csvLine(row)).join(''),
  );
  const created = new Date();
  const started = performance.now();
  const writer = new XptObservationWriter(dataset);
  const parts = [libraryHeader(created), memberHeader(dataset, created), writer.rows(values), writer.end()];
  const exotrialSeconds = (performance.now() - started) / 1000;
  const bytes = parts.reduce((sum, part) => sum + part.length, 0);
  const script = `
    suppressMessages(library(haven))
    args <- commandArgs(trailingOnly = TRUE)
    d <- read.csv(args[1], colClasses = c(rep("character", 6), rep("numeric", 6)), na.strings = "")
    t0 <- proc.time()[["elapsed"]]
    write_xpt(d, args[2], version = 5, name = "VS")
    cat(proc.time()[["elapsed"]] - t0)
  `;
  const r = spawnSync('Rscript', ['-e', script, csvFile, join(work, 'vs-haven.xpt')], { encoding: 'utf8' });
  const havenSeconds = r.status === 0 ? Number(r.stdout.trim()) : null;
  return {
    rows: XPT_ROWS,
    variables: dataset.variables.length,
    items,
    exotrialXpt: {
      seconds: Number(exotrialSeconds.toFixed(3)),
      itemsPerSecond: Math.round(items / exotrialSeconds),
      bytes,
    },
    havenWriteXpt:
      havenSeconds === null
        ? { error: `Rscript with haven failed: ${r.stderr?.trim() || r.error?.message}` }
        : {
            seconds: havenSeconds,
            itemsPerSecond: havenSeconds > 0 ? Math.round(items / havenSeconds) : null,
            bytes: statSync(join(work, 'vs-haven.xpt')).size,
          },
  };
}

async function insertChunked(trx: Tx, table: string, rows: Record<string, unknown>[]) {
  for (let start = 0; start < rows.length; start += CHUNK) {
    // biome-ignore lint/suspicious/noExplicitAny: rows of several tables share this bulk loader.
    await (trx as any)
      .insertInto(table)
      .values(rows.slice(start, start + CHUNK))
      .execute();
  }
}

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

async function largeStudyFigures() {
  const dataDir = join(work, 'pglite');
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: { kind: 'pglite' as const, dataDir } };
  const database = await openDatabase(config.database);
  try {
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
    const now = new Date();
    const lotId = randomUUID();
    const loadStarted = performance.now();
    let recordCount = 0;
    await database.transaction(async (trx) => {
      await insertChunked(trx, 'product_lot', [
        {
          study_id: studyId,
          lot_id: lotId,
          lot_number: 'BENCH-LOT-1',
          manufacturer: 'bench',
          manufactured_on: '2020-01-01',
          concentration_per_ml: 6.7e7,
          volume_ml: 3,
          vial_count: SUBJECTS * 2,
          status: 'released',
          created_at: now,
          created_by: 'bench',
          updated_at: now,
        },
      ]);
    });
    // A thousand participants per transaction keeps each statement batch and its memory small.
    for (let first = 0; first < SUBJECTS; first += CHUNK) {
      const participants: Record<string, unknown>[] = [];
      const consents: Record<string, unknown>[] = [];
      const records: Record<string, unknown>[] = [];
      const vials: Record<string, unknown>[] = [];
      const dispensings: Record<string, unknown>[] = [];
      const doses: Record<string, unknown>[] = [];
      const record = (
        participantId: string,
        visitId: string,
        formId: string,
        instance: number,
        values: object,
      ) => {
        records.push({
          study_id: studyId,
          record_id: randomUUID(),
          participant_id: participantId,
          site_id: siteId,
          visit_id: visitId,
          form_id: formId,
          instance,
          entries: JSON.stringify(
            Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }])),
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
      };
      for (let index = first; index < Math.min(SUBJECTS, first + CHUNK); index++) {
        const participantId = randomUUID();
        const day1 = addDays('2020-02-01', index % 60);
        const number = String(index + 1).padStart(5, '0');
        participants.push({
          study_id: studyId,
          participant_id: participantId,
          site_id: siteId,
          screening_number: `S-${number}`,
          screening_date: addDays(day1, -1),
          study_number: `RJ-${number}`,
          status: 'enrolled',
          status_date: day1,
          status_reason: null,
          failed_criteria: null,
          day1_date: day1,
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
        consents.push({
          study_id: studyId,
          consent_id: randomUUID(),
          participant_id: participantId,
          form_version: '1.0',
          consented_at: `${addDays(day1, -1)}T01:00:00Z`,
          obtained_by: 'bench',
          signer: 'participant',
          representative_name: null,
          representative_relation: null,
          created_at: now,
        });
        const screening = addDays(day1, -1);
        record(participantId, 'screening', 'demographics', 1, {
          birthDate: '1962-05-01',
          sex: index % 2 ? 'M' : 'F',
          ethnicity: 'han',
          height: 160 + (index % 30),
          weight: 55 + (index % 40),
        });
        record(participantId, 'screening', 'labs', 1, {
          collectedOn: screening,
          wbc: 6.45,
          lymphocytes: 0.62,
          crp: 48.3,
          dDimer: 1.25,
          alt: 42,
          ast: 38,
        });
        for (const day of [1, 2]) {
          const date = addDays(day1, day - 1);
          record(participantId, `day-${day}/pre-dose`, 'vitals', 1, sampleVitals(`${date}T08:30:00Z`));
          record(participantId, `day-${day}/post-30`, 'vitals', 1, sampleVitals(`${date}T09:50:00Z`));
          const vialId = randomUUID();
          const dispensingId = randomUUID();
          vials.push({
            study_id: studyId,
            vial_id: vialId,
            lot_id: lotId,
            code: `V-${number}-${day}`,
            sequence: index * 2 + day,
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
            visit_id: `day-${day}`,
            vial_id: vialId,
            lot_id: lotId,
            site_id: siteId,
            dispensed_at: `${date}T00:00:00Z`,
            dispensed_by: 'bench',
            dispensed_by_name: 'Bench Pharmacist',
            thawed_at: `${date}T00:00:00Z`,
          });
          doses.push({
            study_id: studyId,
            administration_id: randomUUID(),
            participant_id: participantId,
            site_id: siteId,
            visit_id: `day-${day}`,
            dose_number: day,
            status: 'completed',
            dispensing_id: dispensingId,
            vial_number: `V-${number}-${day}`,
            device: 'vibrating-mesh',
            started_local: `${date}T09:00`,
            started_at: `${date}T01:00:00Z`,
            ended_local: `${date}T09:20`,
            ended_at: `${date}T01:20:00Z`,
            volume_ml: 3,
            interruption_reason: null,
            not_given_reason: null,
            window_reason: null,
            bronchospasm: false,
            new_cough: false,
            protocol_version: 1,
            created_at: now,
            created_by: 'bench',
            updated_at: now,
          });
        }
        for (let day = 1; day <= 14; day++) {
          record(participantId, 'daily-status', 'clinicalStatus', day, {
            assessedOn: addDays(day1, day - 1),
            died: false,
            hospitalised: day < 10,
            supplementalOxygen: day < 6,
            hfnoOrNiv: false,
            invasiveVentilation: false,
            ecmo: false,
            icu: false,
            vasoactiveDrugs: false,
          });
        }
      }
      recordCount += records.length;
      await database.transaction(async (trx) => {
        await insertChunked(trx, 'participant', participants);
        await insertChunked(trx, 'consent', consents);
        await insertChunked(trx, 'form_record', records);
        await insertChunked(trx, 'vial', vials);
        await insertChunked(trx, 'dispensing', dispensings);
        await insertChunked(trx, 'dosing_administration', doses);
      });
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    globalThis.gc?.();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 20);
    const started = performance.now();
    const result = await exportSdtmDirectory(database, studyId, join(work, 'sdtm'), {
      format: 'xpt',
      privacy: defaultPrivacy,
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage.rss());
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    const bytes = readdirSync(join(work, 'sdtm')).reduce(
      (sum, file) => sum + statSync(join(work, 'sdtm', file)).size,
      0,
    );
    const rows = result.files.reduce((sum, file) => sum + file.rows, 0);
    return {
      subjects: SUBJECTS,
      formRecords: recordCount,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      sdtmXpt: {
        seconds: Number(seconds.toFixed(1)),
        rows,
        rowsPerSecond: Math.round(rows / seconds),
        megabytesWritten: megabytes(bytes),
        rowsByDomain: Object.fromEntries(result.files.map((file) => [file.domain, file.rows])),
      },
      memory: {
        rssBeforeExportMB: megabytes(rssBefore),
        peakRssDuringExportMB: megabytes(peak),
        exportAddedMB: megabytes(peak - rssBefore),
        processMaxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
    };
  } finally {
    await database.close();
  }
}

try {
  const xpt = xptFigures();
  const study = await largeStudyFigures();
  process.stdout.write(`${JSON.stringify({ node: process.version, xpt, largeStudy: study }, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
