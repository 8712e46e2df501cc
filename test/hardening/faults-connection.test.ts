import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asDatabaseUnavailable, DatabaseUnavailableError, openDatabase } from '../../src/db/connection.ts';
import { DomainError } from '../../src/kernel/errors.ts';
import { freePort } from '../support/postgres.ts';
import { freshTarget, type TestTarget } from '../support/test-app.ts';

// How the connection layer tells "the database cannot serve now" (a 503 the client retries) from
// "this request is wrong" or a real fault, and how it survives connections cut under it.

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database unavailability', () => {
  it('recognises a database that is down, restarting, unreachable or out of disk', () => {
    const cases: Array<[Error, 'unreachable' | 'disk_full' | null]> = [
      [withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'unreachable'],
      [withCode('read ECONNRESET', 'ECONNRESET'), 'unreachable'],
      [withCode('terminating connection due to administrator command', '57P01'), 'unreachable'],
      [withCode('the database system is shutting down', '57P03'), 'unreachable'],
      [withCode('sorry, too many clients already', '53300'), 'unreachable'],
      [withCode('connection failure', '08006'), 'unreachable'],
      [new Error('Connection terminated unexpectedly'), 'unreachable'],
      [new Error('timeout exceeded when trying to connect'), 'unreachable'],
      [new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''), 'unreachable'],
      [withCode('could not extend file "base/5/16385": No space left on device', '53100'), 'disk_full'],
      // The request's own problems and real faults are not "try again later".
      [withCode('duplicate key value violates unique constraint', '23505'), null],
      [withCode('syntax error at or near', '42601'), null],
      [new DomainError('conflict', 'This form was changed by someone else.'), null],
      [new TypeError('Cannot read properties of undefined'), null],
    ];
    const seen = cases.map(([error]) => asDatabaseUnavailable(error)?.reason ?? null);
    expect(seen).toEqual(cases.map(([, reason]) => reason));
    const diskFull = asDatabaseUnavailable(cases[9]?.[0]);
    expect(diskFull?.retryAfterSeconds).toBeGreaterThan(0);
    expect(diskFull?.message).toContain('disk is full');
  });

  it('answers quickly with DatabaseUnavailableError when nothing listens at the database address', async () => {
    const port = await freePort();
    const database = await openDatabase({
      kind: 'postgres',
      url: `postgres://nobody@127.0.0.1:${port}/none`,
    });
    try {
      const started = Date.now();
      const failure = await database.read((db) => sql`select 1`.execute(db)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DatabaseUnavailableError);
      expect((failure as DatabaseUnavailableError).reason).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await database.close();
    }
  });
});

(inject('postgresUrl') === null ? describe.skip : describe)('a connection cut inside a transaction', () => {
  let fresh: TestTarget;
  beforeAll(async () => {
    fresh = await freshTarget('postgres');
  });
  afterAll(async () => fresh?.dispose());

  it('fails that transaction with 503-style unavailability, keeps the process alive, and the pool recovers', async () => {
    if (fresh.target.kind !== 'postgres') throw new Error('a PostgreSQL target was expected');
    const database = await openDatabase(fresh.target);
    const admin = new pg.Client({ connectionString: fresh.target.url });
    await admin.connect();
    try {
      await database.transaction((trx) => sql`create table probe (n int)`.execute(trx));
      const failure = await database
        .transaction(async (trx) => {
          await sql`insert into probe values (1)`.execute(trx);
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          // The server ends this session while the transaction holds its connection between two
          // statements: the checked-out client emits 'error', which must not crash the process.
          await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`insert into probe values (2)`.execute(trx);
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DatabaseUnavailableError);
      // Nothing of the cut transaction is stored, and the next transaction gets a fresh connection.
      await database.transaction((trx) => sql`insert into probe values (3)`.execute(trx));
      const rows = await database.read(
        async (db) => (await sql<{ n: number }>`select n from probe order by n`.execute(db)).rows,
      );
      expect(rows).toEqual([{ n: 3 }]);
    } finally {
      await admin.end();
      await database.close();
    }
  });
});
