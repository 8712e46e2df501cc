import { type Kysely, sql } from 'kysely';

// Indexes for studies of 100,000 participants (bench/scale.ts, README "Running at scale"), each found
// with EXPLAIN ANALYZE of a page that read the whole table:
// - the participant list's order (newest screening first) walks an index and stops at the page;
// - the consent and open-query lookups of a list page's participants;
// - the query inbox newest first, by status;
// - search by screening or study number anywhere in the number: trigram indexes (pg_trgm) serve
//   ILIKE '%…%'. Where the extension cannot be created (PGlite, or a role without the right), the
//   search stays a scan, which is quick at the size of one site's embedded database.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index participant_list_order on participant (study_id, screening_date desc, screening_number desc)`.execute(
    db,
  );
  await sql`create index consent_participant on consent (study_id, participant_id)`.execute(db);
  await sql`create index data_query_participant on data_query (study_id, participant_id) where status <> 'closed'`.execute(
    db,
  );
  await sql`create index data_query_inbox on data_query (study_id, status, raised_at desc)`.execute(db);
  if (await createTrigramExtension(db)) {
    await sql`create index participant_screening_number_trgm on participant using gin (screening_number gin_trgm_ops)`.execute(
      db,
    );
    await sql`create index participant_study_number_trgm on participant using gin (study_number gin_trgm_ops)`.execute(
      db,
    );
  }
}

/** pg_trgm if this server has it and lets us create it; a failure leaves the migration's transaction usable. */
// biome-ignore lint/suspicious/noExplicitAny: see up()
async function createTrigramExtension(db: Kysely<any>): Promise<boolean> {
  const available = await sql<{ present: boolean }>`
    select exists (select 1 from pg_available_extensions where name = 'pg_trgm') as present`.execute(db);
  if (!available.rows[0]?.present) return false;
  await sql`savepoint exotrial_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`release savepoint exotrial_trgm`.execute(db);
    return true;
  } catch {
    await sql`rollback to savepoint exotrial_trgm`.execute(db);
    return false;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'participant_study_number_trgm',
    'participant_screening_number_trgm',
    'data_query_inbox',
    'data_query_participant',
    'consent_participant',
    'participant_list_order',
  ]) {
    await sql`drop index if exists ${sql.raw(index)}`.execute(db);
  }
}
