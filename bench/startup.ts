// npm run bench -- startup: how long a person waits for the CLI and the server, each figure the
// median of BENCH_STARTUP_RUNS runs (default 5) beside `node -e 0` measured in the same run.
// BENCH_STARTUP_CLI (default `bin/exotrial.js`) names the entry spawned with Node, so the same
// bench measures another entry (such as the TypeScript sources through bin/exotrial-dev.js).
// Each server figure also has the server's processor time at its first healthy answer (Linux).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBin, freePort, startTestPostgres } from '../test/support/postgres.ts';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const CLI = process.env.BENCH_STARTUP_CLI ?? 'bin/exotrial.js';
const HEALTH_TIMEOUT_MS = 300_000;

const seconds = (milliseconds: number) => Math.round(milliseconds) / 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return seconds(value);
}

/** Milliseconds from spawning `node ARGS` to its exit; a failed run stops the bench. */
function timeExit(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const elapsed = performance.now() - startedAt;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${errors}`));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * The processor time (user + system, in seconds) a process has used so far, from /proc (Linux, at
 * 100 ticks a second); undefined elsewhere. On a shared machine it varies far less than wall time.
 */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Processor seconds of each server run at its first healthy answer, by the label of its figure. */
const serveCpuSeconds = new Map<string, number[]>();

/**
 * Milliseconds from spawning `exotrial serve` to the first 200 of its health route; the server is
 * then stopped (SIGTERM) and waited for, so the next run finds the data folder free. Its processor
 * time at that answer is kept under `label`.
 */
async function timeServe(label: string, env: NodeJS.ProcessEnv, dataDir: string): Promise<number> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', dataDir], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = `http://127.0.0.1:${port}/api/v1/health`;
    while (!(await healthy(url))) {
      if (child.exitCode !== null) throw new Error(`exotrial serve exited with ${child.exitCode}: ${errors}`);
      if (performance.now() - startedAt > HEALTH_TIMEOUT_MS) throw new Error(`no health answer: ${errors}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const elapsed = performance.now() - startedAt;
    const cpu = cpuSecondsOf(child.pid);
    if (cpu !== undefined) serveCpuSeconds.set(label, [...(serveCpuSeconds.get(label) ?? []), cpu]);
    return elapsed;
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

/** The median of RUNS runs; each run is also printed on standard error as it ends. */
async function repeat(label: string, run: (index: number) => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < RUNS; index++) {
    times.push(await run(index));
    const cpu = serveCpuSeconds.get(label)?.[index];
    const cpuNote = cpu === undefined ? '' : ` (processor ${cpu} s)`;
    process.stderr.write(
      `startup ${label} run ${index + 1}: ${seconds(times.at(-1) as number)} s${cpuNote}\n`,
    );
  }
  return median(times);
}

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** Median processor seconds of the first starts and restarts, where /proc gave them. */
function processorFigures(firstStart: string, restart: string) {
  const of = (label: string) => {
    const values = serveCpuSeconds.get(label);
    return values?.length ? median(values.map((value) => value * 1000)) : undefined;
  };
  return { first_start: of(firstStart), restart: of(restart) };
}

async function pgliteFigures() {
  const folders: string[] = [];
  try {
    const firstStart = await repeat('pglite first start', () => {
      const folder = join(tempDir('bench-startup-'), 'data');
      folders.push(folder);
      return timeServe('pglite first start', {}, folder);
    });
    // Every folder now holds a database: restarts reuse the first one.
    const restart = await repeat('pglite restart', () =>
      timeServe('pglite restart', {}, folders[0] as string),
    );
    return {
      first_start_empty_folder: firstStart,
      restart_existing_folder: restart,
      processor: processorFigures('pglite first start', 'pglite restart'),
    };
  } finally {
    for (const folder of folders) rmSync(join(folder, '..'), { recursive: true, force: true });
  }
}

async function postgresFigures() {
  const bin = findPostgresBin();
  if (!bin) return { skipped: 'no PostgreSQL server binaries found (set PG_BIN)' };
  const server = await startTestPostgres(bin);
  const unused = tempDir('bench-startup-unused-');
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    const firstStart = await repeat('postgres first start', async (index) => {
      await admin.query(`create database startup_${index}`);
      return timeServe('postgres first start', { DATABASE_URL: server.urlFor(`startup_${index}`) }, unused);
    });
    await admin.end();
    const restart = await repeat('postgres restart', () =>
      timeServe('postgres restart', { DATABASE_URL: server.urlFor('startup_0') }, unused),
    );
    return {
      first_start_empty_database: firstStart,
      restart_existing_database: restart,
      processor: processorFigures('postgres first start', 'postgres restart'),
    };
  } finally {
    await server.stop();
    rmSync(unused, { recursive: true, force: true });
  }
}

export async function startupBenchFigures() {
  return {
    runs: RUNS,
    cli: CLI,
    seconds: {
      node_e_0: await repeat('node -e 0', () => timeExit(['-e', '0'])),
      cli_help: await repeat('--help', () => timeExit([CLI, '--help'])),
      cli_version: await repeat('version', () => timeExit([CLI, 'version'])),
      node_e_0_again: await repeat('node -e 0', () => timeExit(['-e', '0'])),
      serve_pglite: await pgliteFigures(),
      serve_postgres: await postgresFigures(),
    },
  };
}
