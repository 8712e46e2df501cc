import { type Kysely, sql } from 'kysely';

// A site's settings: its altitude (m) and barometric pressure (mmHg), used by the PaO2/FiO2 correction
// above 1000 m instead of asking for both on every blood gas. Null until an administrator sets them.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('site')
    .addColumn('altitude_m', 'integer', (c) => c.check(sql`altitude_m between -500 and 5500`))
    .addColumn('barometric_pressure_mmhg', 'double precision', (c) =>
      c.check(sql`barometric_pressure_mmhg between 350 and 800`),
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('site')
    .dropColumn('barometric_pressure_mmhg')
    .dropColumn('altitude_m')
    .execute();
}
