import { CompiledQuery, type Kysely } from 'kysely';

/**
 * What a backup needs to know about the database, read from the PostgreSQL catalog rather than a
 * hand-kept list, so a table added by a later migration is backed up without anyone remembering to.
 * PGlite is PostgreSQL, so the same queries serve both engines.
 */
export interface ColumnDefinition {
  name: string;
  /** The exact type as `format_type` spells it (typmods and arrays included), used in casts. */
  type: string;
  nullable: boolean;
  /** `GENERATED ALWAYS AS IDENTITY`: restoring needs OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
}

export interface TableDefinition {
  name: string;
  columns: ColumnDefinition[];
  /** Columns of the primary key in key order; empty when the table has none (rows then sort by every column). */
  primaryKey: string[];
}

export interface SequenceDefinition {
  name: string;
}

/** Kysely's own bookkeeping: the target gets its own rows by running the migrations the backup names. */
export const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'];

// biome-ignore lint/suspicious/noExplicitAny: the catalog is not part of the application schema
type AnyDb = Kysely<any>;

export async function rawQuery<R>(db: AnyDb, text: string, parameters: unknown[] = []): Promise<R[]> {
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, parameters));
  return result.rows;
}

/** Quotes an identifier for SQL text (names come from the catalog, but quote them all the same). */
export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface ColumnRow {
  table_name: string;
  column_name: string;
  type: string;
  nullable: boolean;
  identity: string;
}

/**
 * The base tables of the current schema (migration bookkeeping aside), in an order in which every
 * table comes after the tables its foreign keys reference, ties broken by name so the order is
 * stable. Generated columns are left out: the target computes them again.
 */
export async function readTables(db: AnyDb): Promise<TableDefinition[]> {
  const columns = await rawQuery<ColumnRow>(
    db,
    `select c.relname as table_name, a.attname as column_name,
            format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
            a.attidentity::text as identity
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
        and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
      order by c.relname, a.attnum`,
  );
  const keys = await rawQuery<{ table_name: string; column_name: string }>(
    db,
    `select c.relname as table_name, a.attname as column_name
       from pg_index i
       join pg_class c on c.oid = i.indrelid
       join pg_namespace n on n.oid = c.relnamespace
       join lateral unnest(i.indkey) with ordinality as k(attnum, position) on true
       join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
      where n.nspname = current_schema() and i.indisprimary
      order by c.relname, k.position`,
  );
  const references = await rawQuery<{ from_table: string; to_table: string }>(
    db,
    `select c.relname as from_table, r.relname as to_table
       from pg_constraint f
       join pg_class c on c.oid = f.conrelid
       join pg_class r on r.oid = f.confrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and f.contype = 'f'`,
  );
  const tables = new Map<string, TableDefinition>();
  for (const row of columns) {
    if (MIGRATION_TABLES.includes(row.table_name)) continue;
    let table = tables.get(row.table_name);
    if (!table) {
      table = { name: row.table_name, columns: [], primaryKey: [] };
      tables.set(row.table_name, table);
    }
    table.columns.push({
      name: row.column_name,
      type: row.type,
      nullable: row.nullable,
      identityAlways: row.identity === 'a',
    });
  }
  for (const key of keys) tables.get(key.table_name)?.primaryKey.push(key.column_name);
  return foreignKeyOrder([...tables.values()], references);
}

/** Kahn's algorithm; a table referencing itself is allowed (its rows go in primary-key order). */
export function foreignKeyOrder(
  tables: TableDefinition[],
  references: Array<{ from_table: string; to_table: string }>,
): TableDefinition[] {
  const byName = new Map(tables.map((table) => [table.name, table]));
  const dependsOn = new Map(tables.map((table) => [table.name, new Set<string>()]));
  for (const { from_table, to_table } of references) {
    if (from_table !== to_table && byName.has(from_table) && byName.has(to_table)) {
      dependsOn.get(from_table)?.add(to_table);
    }
  }
  const ordered: TableDefinition[] = [];
  const placed = new Set<string>();
  while (placed.size < tables.length) {
    const ready = [...dependsOn.entries()]
      .filter(([name, needs]) => !placed.has(name) && [...needs].every((need) => placed.has(need)))
      .map(([name]) => name)
      .sort();
    if (ready.length === 0) {
      const left = tables.map((table) => table.name).filter((name) => !placed.has(name));
      throw new Error(
        `Tables ${left.join(', ')} reference each other in a cycle: no insertion order satisfies their foreign keys.`,
      );
    }
    for (const name of ready) {
      placed.add(name);
      const table = byName.get(name);
      if (table) ordered.push(table);
    }
  }
  return ordered;
}

export async function readSequences(db: AnyDb): Promise<SequenceDefinition[]> {
  return rawQuery<SequenceDefinition>(
    db,
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'S' order by c.relname`,
  );
}

/** Names of applied migrations, in order (none on a database that has never been migrated). */
export async function readAppliedMigrations(db: AnyDb): Promise<string[]> {
  const present = await rawQuery<{ present: boolean }>(
    db,
    `select to_regclass('kysely_migration') is not null as present`,
  );
  if (!present[0]?.present) return [];
  const rows = await rawQuery<{ name: string }>(db, 'select name from kysely_migration order by name');
  return rows.map((row) => row.name);
}

/**
 * Session settings under which every type's text form is exact and engine-independent: instants
 * in UTC with microseconds, ISO dates, shortest round-trip floats, hex bytea.
 */
export const TEXT_SETTINGS: Array<[string, string]> = [
  ['TimeZone', 'UTC'],
  ['DateStyle', 'ISO, YMD'],
  ['IntervalStyle', 'postgres'],
  ['extra_float_digits', '1'],
  ['bytea_output', 'hex'],
];

export async function applyTextSettings(db: AnyDb): Promise<void> {
  for (const [name, value] of TEXT_SETTINGS) {
    await rawQuery(db, 'select set_config($1, $2, true)', [name, value]);
  }
}
