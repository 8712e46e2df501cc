import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/db/connection.ts';

/**
 * Every row of every table of the current schema, as PostgreSQL prints the whole row under UTC,
 * sorted. Independent of the backup code: tables come from information_schema, rows from `t::text`,
 * so a table the backup skipped, or a value it changed, shows up as a difference.
 */
export async function dumpEveryTable(database: Database): Promise<Map<string, string[]>> {
  return database.read((db) =>
    (db as unknown as Kysely<Record<string, never>>).transaction().execute(async (trx) => {
      await sql`set local timezone = 'UTC'`.execute(trx);
      await sql`set local extra_float_digits = 1`.execute(trx);
      const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
         where table_schema = current_schema() and table_type = 'BASE TABLE'
           and table_name not like 'kysely_migration%'
         order by table_name`.execute(trx);
      const dump = new Map<string, string[]>();
      for (const { table_name } of tables.rows) {
        const rows = await sql<{
          row: string;
        }>`select t::text as row from ${sql.table(table_name)} t`.execute(trx);
        dump.set(
          table_name,
          rows.rows.map((r) => r.row).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        );
      }
      return dump;
    }),
  );
}

export function backupLines(file: string): string[] {
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

/**
 * Rewrites a backup's uncompressed lines (trailer excluded) and, unless told not to, seals it again
 * with a correct row total and checksum: a file that passes the integrity checks but says
 * something else, as a careless or hostile editor could make.
 */
export function rewriteBackup(
  from: string,
  to: string,
  edit: (lines: string[]) => string[],
  reseal = true,
): void {
  const lines = backupLines(from);
  const trailer = lines.pop() ?? '';
  const edited = edit(lines);
  const body = edited.map((line) => `${line}\n`).join('');
  const rows = edited.filter((line) => line.startsWith('[')).length;
  const sealed = reseal
    ? JSON.stringify({
        end: 'exotrial-backup',
        rows,
        sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
      })
    : trailer;
  writeFileSync(to, gzipSync(`${body}${sealed}\n`));
}

/** Index of the row lines of one table in a backup's lines. */
export function rowLinesOf(lines: string[], table: string): number[] {
  const start = lines.indexOf(JSON.stringify({ table }));
  const indexes: number[] = [];
  for (let index = start + 1; index < lines.length && lines[index]?.startsWith('['); index += 1) {
    indexes.push(index);
  }
  return indexes;
}
