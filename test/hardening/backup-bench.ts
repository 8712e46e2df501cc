// Backup and restore of a bigger study, through the real CLI, with time and peak RSS of each process.
//
//   node bin/run-ts.js test/hardening/backup-bench.ts [--subjects 1000] [--data DIR]
//
// Without --data it fills a new PGlite folder with `exotrial demo --subjects N` first (slow: the demo
// writes every participant through the services). Then: backup from PGlite, restore into a new
// PostgreSQL database (the test harness's throw-away server), backup from PostgreSQL, restore into a
// new PGlite folder, and `audit verify` on the last. Prints one JSON object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { findPostgresBin, startTestPostgres } from '../support/postgres.ts';

const { values } = parseArgs({
  options: { subjects: { type: 'string', default: '1000' }, data: { type: 'string' } },
});

interface Run {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs `exotrial …` under GNU time for its wall time and maximum resident set size. */
function exotrial(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const environment: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
  if (!env.DATABASE_URL) delete environment.DATABASE_URL;
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', 'TIME %e %M', process.execPath, 'bin/exotrial-dev.js', ...args],
    { env: environment, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const measured = /TIME ([\d.]+) (\d+)/.exec(result.stderr);
  if (result.status !== 0 || !measured) {
    throw new Error(
      `exotrial ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return {
    seconds: Number(measured[1]),
    peakRssMb: Math.round(Number(measured[2]) / 1024),
    stdout: result.stdout.trim(),
  };
}

const folder = mkdtempSync(join(tmpdir(), 'exotrial-backup-bench-'));
const bin = findPostgresBin();
if (!bin) throw new Error('PostgreSQL is not installed: the bench restores into it.');
const server = await startTestPostgres(bin);
try {
  const source = values.data ?? join(folder, 'source');
  const demo = values.data ? null : exotrial(['demo', '--subjects', values.subjects, '--data', source]);
  const fromPglite = join(folder, 'from-pglite.gz');
  const backupPglite = exotrial(['backup', '--out', fromPglite, '--data', source]);

  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('create database bench_restore');
  await admin.end();
  const url = server.urlFor('bench_restore');
  const restorePostgres = exotrial(['restore', fromPglite], { DATABASE_URL: url });
  const fromPostgres = join(folder, 'from-postgres.gz');
  const backupPostgres = exotrial(['backup', '--out', fromPostgres], { DATABASE_URL: url });
  const restorePglite = exotrial(['restore', fromPostgres, '--data', join(folder, 'restored')]);
  const verify = exotrial(['audit', 'verify', '--data', join(folder, 'restored')]);

  const uncompressed = gunzipSync(readFileSync(fromPglite));
  const lines = uncompressed.toString('utf8').split('\n');
  const header = JSON.parse(lines[0] ?? '{}') as { tables: Array<{ name: string; rows: number }> };
  const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
  const figure = (run: Run) => ({
    seconds: run.seconds,
    peakRssMb: run.peakRssMb,
    rowsPerSecond: Math.round(rows / run.seconds),
  });
  process.stdout.write(
    `${JSON.stringify(
      {
        subjects: values.data ? null : Number(values.subjects),
        demoSeconds: demo?.seconds ?? null,
        tables: header.tables.length,
        rows,
        auditEvents: header.tables.find((table) => table.name === 'audit_event')?.rows ?? 0,
        fileMb: Number((statSync(fromPglite).size / 1_048_576).toFixed(2)),
        uncompressedMb: Number((uncompressed.length / 1_048_576).toFixed(2)),
        backupFromPglite: figure(backupPglite),
        restoreIntoPostgres: figure(restorePostgres),
        backupFromPostgres: figure(backupPostgres),
        restoreIntoPglite: figure(restorePglite),
        auditVerify: verify.stdout,
        // The row lines written from PostgreSQL are those written from PGlite, byte for byte.
        sameRowsBothWays:
          gunzipSync(readFileSync(fromPostgres)).toString('utf8').split('\n').slice(1, -2).join('\n') ===
          lines.slice(1, -2).join('\n'),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
}
