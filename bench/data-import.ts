// node bin/run-ts.js bench/data-import.ts [values…]: imports wide CSV files of vital signs holding the
// given numbers of values (default 20,000 and 100,000) into a fresh embedded database through the
// form data import (every value checked and audited), printing values/s, the records written and peak
// memory, beside a raw INSERT of the same records into form_record.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { cliCaller } from '../src/cli/cli-caller.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/connection.ts';
import { importFormDataFile } from '../src/import/import-file.ts';
import { recordConsent } from '../src/participants/consent.service.ts';
import { screenParticipant } from '../src/participants/participant.service.ts';
import { formSlots } from '../src/participants/schedule.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { currentProtocol } from '../src/study/protocol-store.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const runs = sizes.length > 0 ? sizes : [20_000, 100_000];
const MB = 1024 * 1024;
const today = new Date().toISOString().slice(0, 10);
const columns = [
  'assessedAt',
  'temperature',
  'heartRate',
  'respiratoryRate',
  'systolicBp',
  'diastolicBp',
  'spo2',
  'atRest',
  'oxygenSupport',
];
const row = (index: number) => [
  `${today}T08:00`,
  (36.5 + (index % 10) / 10).toFixed(1),
  70 + (index % 30),
  16 + (index % 6),
  110 + (index % 30),
  70 + (index % 10),
  95 + (index % 5),
  'yes',
  'none',
];

/** Participants screened and consented through the services, numbered RJ-S0001… by the site. */
async function participants(database: Database, studyId: string, count: number): Promise<string[]> {
  const site = await database.read((db) => db.selectFrom('site').select('site_id').executeTakeFirstOrThrow());
  const coordinator = cliCaller('bench');
  coordinator.user.roles = ['study_coordinator'];
  coordinator.user.siteIds = [site.site_id];
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const participantId = await screenParticipant(database, studyId, coordinator, {
      siteId: site.site_id,
      screeningDate: today,
    });
    await recordConsent(database, studyId, coordinator, participantId, {
      formVersion: '1.0',
      consentedAt: `${today}T00:00:00Z`,
      signer: 'participant',
    });
    ids.push(participantId);
  }
  const rows = await database.read((db) =>
    db
      .selectFrom('participant')
      .select(['participant_id', 'screening_number'])
      .where('study_id', '=', studyId)
      .execute(),
  );
  const numberOf = new Map(rows.map((row) => [row.participant_id, row.screening_number]));
  return ids.map((id) => `${numberOf.get(id)}\u0000${id}`);
}

async function run(values: number) {
  const folder = mkdtempSync(join(tmpdir(), 'bench-data-import-'));
  try {
    const config = {
      ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
      database: { kind: 'pglite' as const, dataDir: join(folder, 'data') },
    };
    const database = await openDatabase(config.database);
    try {
      const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
      const { protocol } = await database.read((db) => currentProtocol(db, studyId));
      const visits = formSlots(protocol)
        .filter((slot) => slot.formId === 'vitals' && slot.instances === 'single')
        .map((slot) => slot.visitKey);
      const rows = Math.ceil(values / columns.length);
      const screened = await participants(database, studyId, Math.ceil(rows / visits.length));
      const numbers = screened.map((entry) => entry.split('\u0000')[0]);
      const participantIds = screened.map((entry) => entry.split('\u0000')[1] ?? '');
      const lines = [`participant,visit,${columns.map((column) => `vitals.${column}`).join(',')}`];
      for (let index = 0; index < rows; index += 1) {
        const number = numbers[Math.floor(index / visits.length)];
        lines.push([number, visits[index % visits.length], ...row(index)].join(','));
      }
      const file = join(folder, 'vitals.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
      global.gc?.();
      const before = process.memoryUsage();
      let peakRss = before.rss;
      let peakHeap = before.heapUsed;
      const sampler = setInterval(() => {
        const now = process.memoryUsage();
        peakRss = Math.max(peakRss, now.rss);
        peakHeap = Math.max(peakHeap, now.heapUsed);
      }, 50);
      const startedAt = performance.now();
      const result = await importFormDataFile(database, studyId, cliCaller('bench'), file, {
        fileName: 'vitals.csv',
      });
      const seconds = (performance.now() - startedAt) / 1000;
      clearInterval(sampler);
      const raw = await rawInsert(database, studyId, rows, participantIds, visits);
      return {
        values: result.values,
        rows: result.rows,
        fileMB: Math.round((statSync(file).size / MB) * 10) / 10,
        recordsCreated: result.recordsCreated,
        problems: result.problemCount,
        seconds: Math.round(seconds * 10) / 10,
        valuesPerSecond: Math.round(result.values / seconds),
        rawInsertValuesPerSecond: raw,
        rssBeforeMB: Math.round(before.rss / MB),
        peakRssMB: Math.round(peakRss / MB),
        heapBeforeMB: Math.round(before.heapUsed / MB),
        peakHeapMB: Math.round(peakHeap / MB),
      };
    } finally {
      await database.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The same records inserted as they are (no check, no audit; as instance 2), in one transaction, 500 a statement. */
async function rawInsert(
  database: Database,
  studyId: string,
  rows: number,
  participantIds: string[],
  visits: string[],
) {
  const site = await database.read((db) => db.selectFrom('site').select('site_id').executeTakeFirstOrThrow());
  const startedAt = performance.now();
  await database.transaction(async (trx) => {
    for (let start = 0; start < rows; start += 500) {
      const batch = [];
      for (let index = start; index < Math.min(rows, start + 500); index += 1) {
        const entries = Object.fromEntries(
          row(index).map((value, at) => [columns[at], { value, revision: 1 }]),
        );
        batch.push({
          study_id: studyId,
          record_id: randomUUID(),
          participant_id: participantIds[Math.floor(index / visits.length)] ?? '',
          site_id: site.site_id,
          visit_id: visits[index % visits.length] ?? '',
          form_id: 'vitals',
          instance: 2,
          entries: JSON.stringify(entries),
          protocol_version: 1,
          created_at: new Date(),
          updated_at: new Date(),
        });
      }
      await trx.insertInto('form_record').values(batch).execute();
    }
  });
  return Math.round((rows * columns.length) / ((performance.now() - startedAt) / 1000));
}

for (const values of runs) console.log(JSON.stringify(await run(values)));
