// Child process of pglite-crash.test.ts: commits numbered rows one transaction at a time and prints
// "ack N" only after each COMMIT returned, until it is killed.
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: pglite-writer.ts DATA_DIR');
const database = await openDatabase({ kind: 'pglite', dataDir });
await database.transaction((trx) =>
  sql`create table if not exists crash_probe (study_id text not null, n integer primary key, payload text not null)`.execute(
    trx,
  ),
);
const last = await database.read((db) =>
  sql<{ max: number | null }>`select max(n) as max from crash_probe`.execute(db),
);
process.stdout.write('ready\n');
for (let n = (last.rows[0]?.max ?? 0) + 1; ; n++) {
  await database.transaction((trx) =>
    sql`insert into crash_probe (study_id, n, payload) values ('probe', ${n}, ${'x'.repeat(2000)})`.execute(
      trx,
    ),
  );
  process.stdout.write(`ack ${n}\n`);
}
