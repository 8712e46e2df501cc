import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeTestDataDir } from './test-dirs.ts';

/**
 * A throw-away PostgreSQL server for tests and benchmarks: initdb into a temp folder, a free
 * loopback port, stopped and removed at the end. Debian keeps initdb/postgres in its versioned lib
 * folder, and PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export interface TestPostgres {
  url: string;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  /** Stops the server (`pg_ctl stop -m fast`: open sessions are cut) and keeps its data, for `resume`. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same data and port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export function findPostgresBin(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  return (
    candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) ?? null
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;
const asPostgresUser = (command: string, args: string[]): [string, string[]] =>
  isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

export async function startTestPostgres(bin: string): Promise<TestPostgres> {
  const dir = makeTestDataDir('exotrial-pg-');
  chmodSync(dir, 0o777);
  const dataDir = join(dir, 'data');
  if (isRoot()) execFileSync('chown', ['postgres:postgres', dir]);
  const [initCmd, initArgs] = asPostgresUser(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const logFile = join(dir, 'postgres.log');
  const options = `-p ${port} -h 127.0.0.1 -k ${dir} -c max_connections=200 -c fsync=on`;
  const pgCtl = (args: string[]) => {
    const [cmd, cmdArgs] = asPostgresUser(join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
    execFileSync(cmd, cmdArgs, { stdio: 'pipe' });
  };
  const start = () => {
    try {
      pgCtl(['-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
    }
  };
  start();
  // Asynchronous twins for tests that keep clients running while the server stops and starts.
  const pgCtlAsync = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const [cmd, cmdArgs] = asPostgresUser(join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
      execFile(cmd, cmdArgs, (error) => (error ? reject(error) : resolve()));
    });
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    urlFor,
    halt: () => pgCtlAsync(['-m', 'fast', '-w', 'stop']),
    resume: () => pgCtlAsync(['-l', logFile, '-o', options, '-w', '-t', '60', 'start']),
    stop: async () => {
      try {
        pgCtl(['-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
