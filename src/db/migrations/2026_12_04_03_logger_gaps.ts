import { type Kysely, sql } from 'kysely';

// Logger imports that lose nothing: a storage unit may say how long its log may fall silent
// (`max_logging_gap_minutes`; null = three times the median interval of each imported file), and a
// silence longer than that is recorded as an excursion of kind `data_gap`, with no temperatures,
// flagging the vials inside for the same signed disposition as a temperature excursion.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('storage_unit')
    .addColumn('max_logging_gap_minutes', 'integer', (c) => c.check(sql`max_logging_gap_minutes > 0`))
    .execute();
  await db.schema
    .alterTable('excursion')
    .addColumn('kind', 'text', (c) =>
      c.notNull().defaultTo('temperature').check(sql`kind in ('temperature', 'data_gap')`),
    )
    .execute();
  await sql`alter table excursion alter column min_celsius drop not null`.execute(db);
  await sql`alter table excursion alter column max_celsius drop not null`.execute(db);
  await sql`alter table excursion add constraint excursion_temperatures
    check ((kind = 'data_gap') = (min_celsius is null) and (min_celsius is null) = (max_celsius is null))`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table excursion drop constraint excursion_temperatures`.execute(db);
  await sql`delete from excursion where kind = 'data_gap'`.execute(db);
  await sql`alter table excursion alter column min_celsius set not null`.execute(db);
  await sql`alter table excursion alter column max_celsius set not null`.execute(db);
  await db.schema.alterTable('excursion').dropColumn('kind').execute();
  await db.schema.alterTable('storage_unit').dropColumn('max_logging_gap_minutes').execute();
}
