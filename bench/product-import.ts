// node bin/run-ts.js bench/product-import.ts [rows…]: streams data-logger files of the given sizes
// (default 100,000 and 1,000,000 rows) into a fresh embedded database, printing rows/s and peak memory
// for each, so that flat memory shows as the same peak for ten times the rows.
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import pino from 'pino';
import { systemActor } from '../src/audit/audit.schema.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { importTemperatures } from '../src/product/temperature-import.service.ts';
import { bootstrap } from '../src/study/bootstrap.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const runs = sizes.length > 0 ? sizes : [100_000, 1_000_000];
const MB = 1024 * 1024;

/** A logger export: a preamble with the zone, a header, one reading a minute, a warm hour in the middle. */
async function writeLoggerFile(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  await write('Logger,LT-BENCH\nTime zone: UTC+08:00\nDate Time,Temperature (°C)\n');
  const start = Date.parse('2024-01-01T00:00:00Z');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const local = new Date(start + i * 60_000 + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    const warm = i >= rows / 2 && i < rows / 2 + 60;
    chunk += `${local},${(warm ? -50 : -80 + Math.sin(i / 30)).toFixed(2)}\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await finished(out);
}

async function run(rows: number) {
  const folder = mkdtempSync(join(tmpdir(), 'bench-product-import-'));
  try {
    const file = join(folder, 'logger.csv');
    await writeLoggerFile(file, rows);
    const dataDir = join(folder, 'data');
    const config = {
      ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
      database: { kind: 'pglite' as const, dataDir },
    };
    const database = await openDatabase(config.database);
    try {
      const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
      const unitId = '00000000-0000-4000-8000-00000000be0c';
      await database.transaction((trx) =>
        trx
          .insertInto('storage_unit')
          .values({
            study_id: studyId,
            unit_id: unitId,
            code: 'BENCH-F1',
            name: 'Bench freezer',
            kind: 'freezer',
            site_id: null,
            nominal_celsius: -80,
            low_celsius: -90,
            high_celsius: -60,
            excursion_tolerance_minutes: 30,
            max_logging_gap_minutes: null,
            created_at: new Date(),
          })
          .execute(),
      );
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
      const result = await importTemperatures(
        database,
        studyId,
        systemActor('bench'),
        unitId,
        createReadStream(file),
        {
          fileName: 'logger.csv',
        },
      );
      const seconds = (performance.now() - startedAt) / 1000;
      clearInterval(sampler);
      return {
        rows,
        fileMB: Math.round((statSync(file).size / MB) * 10) / 10,
        imported: result.rowsImported,
        bad: result.rowsBad,
        excursions: result.excursions.length,
        seconds: Math.round(seconds * 10) / 10,
        rowsPerSecond: Math.round(rows / seconds),
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

const figures = [];
for (const rows of runs) figures.push(await run(rows));
process.stdout.write(
  `${JSON.stringify({ benchmark: 'product import-temperatures (PGlite)', node: process.version, runs: figures }, null, 2)}\n`,
);
