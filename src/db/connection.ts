import { Mutex } from 'async-mutex';
import { Kysely, type PGlite, PGliteDialect, PostgresDialect, sql, type Transaction } from 'kysely';
import type pg from 'pg';
import type { DatabaseTarget } from '../config.ts';
import { withCommitSteps } from './commit-steps.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { openPgliteThread } from './pglite-remote.ts';
import type { Schema } from './schema.ts';

export type DatabaseKind = DatabaseTarget['kind'];
export type Tx = Transaction<Schema>;
export type Db = Kysely<Schema>;

/**
 * The one way into the database. All work goes through `transaction` (writes, together with their
 * audit events, which are written in one statement just before the commit: see commit-steps.ts) or
 * `read`. On PGlite, which is a single connection (a data folder's runs on a thread of its own,
 * pglite-remote.ts), both hold one mutex so that two requests never interleave statements inside
 * each other's transactions.
 */
export interface Database {
  readonly kind: DatabaseKind;
  transaction<T>(work: (trx: Tx) => Promise<T>): Promise<T>;
  read<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /** The raw Kysely instance, for migrations and benchmarks only. */
  readonly kysely: Db;
  close(): Promise<void>;
}

const INT8_OID = 20;
const DATE_OID = 1082;

/**
 * The database cannot serve the request right now: it is down or restarting, unreachable, refusing
 * connections, or out of disk. The request's transaction rolled back, except in the one case no
 * database can rule out: the connection cut while COMMIT was on its way. So the change is "not
 * confirmed": a client reloads and tries again after `retryAfterSeconds`, and record versions make
 * the retry safe (a save that did land turns the retry into a 409 showing it). The API answers 503.
 */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    readonly reason: 'unreachable' | 'disk_full',
    readonly retryAfterSeconds: number,
    options: { cause: unknown },
  ) {
    super(
      reason === 'disk_full'
        ? "The database's disk is full: nothing was saved. An administrator must free space on the data volume; try again then."
        : 'The database is not reachable right now (restarting or down): your change was not confirmed. Reload and try again in a few seconds.',
      options,
    );
  }
}

/** Socket errors of a connection that could not be made or was cut. */
const networkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say "not now" rather than "not this": class 08 (connection exception), the server
 * shutting down, restarting or starting up (57P01-57P03), too many connections (53300).
 */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300']);
const DISK_FULL_STATE = '53100';

/** What node-postgres throws, without a code, when a connection ends or cannot be had in time. */
const droppedConnectionMessages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/** The unavailability behind a database error, or null when the error is about the request itself. */
export function asDatabaseUnavailable(error: unknown): DatabaseUnavailableError | null {
  if (error instanceof DatabaseUnavailableError) return error;
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === DISK_FULL_STATE) return new DatabaseUnavailableError('disk_full', 60, { cause: error });
    if (networkErrorCodes.has(code) || unavailableStates.has(code) || /^08[0-9A-Z]{3}$/.test(code)) {
      return new DatabaseUnavailableError('unreachable', 2, { cause: error });
    }
  }
  if (droppedConnectionMessages.some((message) => error.message.startsWith(message))) {
    return new DatabaseUnavailableError('unreachable', 2, { cause: error });
  }
  // A pool of sockets that all failed (e.g. localhost resolving to ::1 and 127.0.0.1, both refused).
  if (error instanceof AggregateError && error.errors.some((inner) => asDatabaseUnavailable(inner))) {
    return new DatabaseUnavailableError('unreachable', 2, { cause: error });
  }
  return null;
}

/** Runs database work, turning "the database cannot serve now" errors into DatabaseUnavailableError. */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asDatabaseUnavailable(error) ?? error;
  }
}

/**
 * How long a request waits for a pooled connection (a free one, or a new one to a database that
 * does not answer) before it is answered 503. Generous, because under heavy load requests queue for
 * the pool's 10 connections; a database that is down refuses at once and needs no timeout.
 */
const CONNECT_TIMEOUT_MS = 30_000;

/** A pool of connections to PostgreSQL; its driver loads here, so a PGlite start never loads it. */
async function postgresPool(url: string): Promise<pg.Pool> {
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID) return (value: string) => Number(value);
      if (oid === DATE_OID) return (value: string) => value;
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A TCP keep-alive notices a database host that vanished without closing its sockets.
    keepAlive: true,
  });
  // A connection that the server drops while idle must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // pg-pool listens for errors only on idle clients. A connection cut while checked out (between the
  // statements of a transaction) would emit an unhandled 'error' and kill the process; the transaction's
  // next statement fails instead ("not queryable"), and on release the pool discards the client.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/** For benchmarks: `onQuery` is called once for every statement the database runs, with its SQL and time. */
export interface OpenOptions {
  onQuery?: (sql: string, durationMs: number) => void;
}

function queryLog({ onQuery }: OpenOptions) {
  return onQuery
    ? (event: { level: string; query: { sql: string }; queryDurationMillis: number }) => {
        if (event.level === 'query') onQuery(event.query.sql, event.queryDurationMillis);
      }
    : undefined;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  const log = queryLog(options);
  if (target.kind === 'postgres') {
    const pool = await postgresPool(target.url);
    const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }), log });
    return {
      kind: 'postgres',
      kysely,
      transaction: (work) =>
        translated(() => kysely.transaction().execute((trx) => withCommitSteps(trx, work))),
      read: (work) => translated(() => work(kysely)),
      close: () => kysely.destroy(),
    };
  }
  const lock: DataDirLock = await acquireDataDirLock(target.dataDir);
  try {
    return pgliteDatabase(await openPgliteThread(target.dataDir), options, () => lock.release());
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * A Database over a PGlite instance (a data folder's on its own thread, or one held in memory);
 * `release` runs after the instance is closed.
 */
export function pgliteDatabase(
  pglite: PGlite,
  options: OpenOptions = {},
  release: () => Promise<void> = async () => undefined,
): Database {
  const kysely = new Kysely<Schema>({ dialect: new PGliteDialect({ pglite }), log: queryLog(options) });
  const mutex = new Mutex();
  return {
    kind: 'pglite',
    kysely,
    transaction: (work) =>
      translated(() =>
        mutex.runExclusive(() => kysely.transaction().execute((trx) => withCommitSteps(trx, work))),
      ),
    read: (work) => translated(() => mutex.runExclusive(() => work(kysely))),
    close: async () => {
      await mutex.runExclusive(() => kysely.destroy());
      await release();
    },
  };
}

/**
 * Waits for a PostgreSQL server that is not up yet (a host that boots the database and exotrial
 * together, or a database restarting): tries `select 1` with growing pauses until `timeoutMs`, then
 * gives up with the last unavailability. Only unavailability is waited out; other errors are thrown at once.
 */
export async function waitForDatabase(
  database: Database,
  options: { timeoutMs: number; onWait?: (error: DatabaseUnavailableError, waitedMs: number) => void },
): Promise<void> {
  const started = Date.now();
  let pause = 250;
  for (;;) {
    try {
      await database.read((db) => sql`select 1`.execute(db));
      return;
    } catch (error) {
      const unavailable = asDatabaseUnavailable(error);
      const waited = Date.now() - started;
      if (!unavailable || waited + pause > options.timeoutMs) throw unavailable ?? error;
      options.onWait?.(unavailable, waited);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 2_000);
    }
  }
}
