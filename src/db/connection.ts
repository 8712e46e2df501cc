import { Mutex } from 'async-mutex';
import { Kysely, PGliteDialect, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { openDurablePglite } from './durable-pglite.ts';
import type { Schema } from './schema.ts';

export type DatabaseKind = DatabaseTarget['kind'];
export type Tx = Transaction<Schema>;
export type Db = Kysely<Schema>;

/**
 * The one way into the database. All work goes through `transaction` (writes, together with their
 * audit events) or `read`. On PGlite, which is a single connection in this process, both hold one
 * mutex so that two requests never interleave statements inside each other's transactions.
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

function postgresPool(url: string): pg.Pool {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (oid === INT8_OID) return (value: string) => Number(value);
      if (oid === DATE_OID) return (value: string) => value;
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // A connection that the server drops while idle must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const pool = postgresPool(target.url);
    const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    return {
      kind: 'postgres',
      kysely,
      transaction: (work) => kysely.transaction().execute(work),
      read: (work) => work(kysely),
      close: () => kysely.destroy(),
    };
  }
  const lock: DataDirLock = await acquireDataDirLock(target.dataDir);
  try {
    const pglite = await openDurablePglite(target.dataDir);
    const kysely = new Kysely<Schema>({ dialect: new PGliteDialect({ pglite }) });
    const mutex = new Mutex();
    return {
      kind: 'pglite',
      kysely,
      transaction: (work) => mutex.runExclusive(() => kysely.transaction().execute(work)),
      read: (work) => mutex.runExclusive(() => work(kysely)),
      close: async () => {
        await mutex.runExclusive(() => kysely.destroy());
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
