// The demo generator on PGlite, as `exotrial demo` runs it: people per second, processor seconds, and
// the statements it runs per person screened by kind (first word, and the table) with their time. Run:
// `node bin/run-ts.js bench/demo.ts [SUBJECTS] [SEED]` (add `--cpu-prof` to node for a profile;
// DEMO_MEMORY=1 holds the database in memory instead of a folder).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { openDatabase, pgliteDatabase } from '../src/db/connection.ts';
import { bootstrap } from '../src/study/bootstrap.ts';
import { generateSyntheticTrial } from '../src/synth/trial.ts';

const subjects = Number(process.argv[2] ?? 100);
const seed = Number(process.argv[3] ?? 1);

/** "insert into form_record …" → "insert form_record"; "select … from participant …" → "select participant". */
function kindOf(text: string): string {
  const words = text.trim().replace(/"/g, '').split(/\s+/);
  const verb = (words[0] ?? '').toLowerCase();
  const after = (word: string) => words[words.findIndex((w) => w.toLowerCase() === word) + 1] ?? '?';
  if (verb === 'insert') return `insert ${after('into')}`;
  if (verb === 'update') return `update ${words[1]}`;
  if (verb === 'delete') return `delete ${after('from')}`;
  if (verb === 'select' || verb === 'with') return `select ${after('from')}`;
  return verb;
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-demo-'));
const byKind = new Map<string, number>();
const msByKind = new Map<string, number>();
let statements = 0;
const onQuery = (text: string, ms: number) => {
  statements++;
  const kind = kindOf(text);
  byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  msByKind.set(kind, (msByKind.get(kind) ?? 0) + ms);
};
const inMemory = process.env.DEMO_MEMORY === '1';
const database = inMemory
  ? pgliteDatabase(
      await PGlite.create({
        parsers: { 20: (value: string) => Number(value), 1082: (value: string) => value },
      }),
      { onQuery },
    )
  : await openDatabase({ kind: 'pglite', dataDir }, { onQuery });
try {
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), database: { kind: 'pglite' as const, dataDir } };
  const { studyId } = await bootstrap(database, config, pino({ level: 'silent' }));
  await database.transaction((trx) => sql`set synchronous_commit = off`.execute(trx));
  statements = 0;
  byKind.clear();
  msByKind.clear();
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  await generateSyntheticTrial(database, studyId, {
    subjects,
    sites: 2,
    seed,
    password: 'bench demo password',
    onProgress: (done) => {
      if (done % 50 === 0) {
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`${done} people, ${(done / seconds).toFixed(2)} per second\n`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const top = [...byKind.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  process.stdout.write(
    `${JSON.stringify(
      {
        subjects,
        seconds: Number(seconds.toFixed(1)),
        peoplePerSecond: Number((subjects / seconds).toFixed(2)),
        cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        statementsPerPerson: Math.round(statements / subjects),
        statementSeconds: Number(([...msByKind.values()].reduce((a, b) => a + b, 0) / 1000).toFixed(1)),
        perPersonByKind: Object.fromEntries(
          top.map(([kind, count]) => [
            kind,
            `${(count / subjects).toFixed(1)} statements, ${((msByKind.get(kind) ?? 0) / subjects).toFixed(1)} ms`,
          ]),
        ),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
