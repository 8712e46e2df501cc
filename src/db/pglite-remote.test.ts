import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './connection.ts';

// A data folder's PGlite runs on a thread of its own: what the server and the CLI get through it must
// be what PGlite in the same thread gives (rows, errors with PostgreSQL's fields, transactions that
// commit or roll back whole), and the server's thread must stay free while a query runs.
describe('PGlite on its own thread', () => {
  let folder: string;
  let database: Database;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'exotrial-pglite-thread-'));
    database = await openDatabase({ kind: 'pglite', dataDir: folder });
    await database.kysely.schema
      .createTable('probe')
      .addColumn('n', 'integer', (column) => column.primaryKey())
      .addColumn('at', 'timestamptz')
      .addColumn('day', 'date')
      .addColumn('big', 'bigint')
      .addColumn('doc', 'jsonb')
      .addColumn('bytes', 'bytea')
      .execute();
  });

  afterAll(async () => {
    await database?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('returns rows with their types: dates, dates as text, bigint as numbers, JSON, bytes', async () => {
    const at = new Date('2026-03-01T08:30:00.000Z');
    await database.transaction((trx) =>
      sql`insert into probe (n, at, day, big, doc, bytes) values (1, ${at}, '2026-03-01', 9007199254740991, ${JSON.stringify({ a: [1, 'b'] })}, ${Buffer.from([0, 255, 7])})`.execute(
        trx,
      ),
    );
    const { rows } = await database.read((db) =>
      sql<{
        at: Date;
        day: string;
        big: number;
        doc: unknown;
        bytes: Uint8Array;
      }>`select at, day, big, doc, bytes from probe where n = 1`.execute(db),
    );
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row?.at).toBeInstanceOf(Date);
    expect(row?.at.toISOString()).toBe(at.toISOString());
    expect(row?.day).toBe('2026-03-01');
    expect(row?.big).toBe(9007199254740991);
    expect(row?.doc).toEqual({ a: [1, 'b'] });
    expect([...(row?.bytes ?? [])]).toEqual([0, 255, 7]);
  });

  it("gives PostgreSQL's error fields (a unique violation's code and constraint)", async () => {
    const error = await database
      .transaction((trx) => sql`insert into probe (n) values (1)`.execute(trx))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'probe_pkey' });
  });

  it('rolls a failed transaction back whole and commits a good one whole', async () => {
    const failing = database.transaction(async (trx) => {
      await sql`insert into probe (n) values (2)`.execute(trx);
      await sql`insert into probe (n) values (1)`.execute(trx);
    });
    await expect(failing).rejects.toMatchObject({ code: '23505' });
    await database.transaction(async (trx) => {
      await sql`insert into probe (n) values (3)`.execute(trx);
      await sql`insert into probe (n) values (4)`.execute(trx);
    });
    const { rows } = await database.read((db) =>
      sql<{ n: number }>`select n from probe order by n`.execute(db),
    );
    expect(rows.map((row) => row.n)).toEqual([1, 3, 4]);
  });

  it('leaves the calling thread free while a query runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 20);
    try {
      // A query that holds PostgreSQL for about half a second of work.
      await database.read((db) => sql`select count(*) from generate_series(1, 3000000)`.execute(db));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(3);
  });
});
