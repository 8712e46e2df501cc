import { type Kysely, sql } from 'kysely';

// Returns of unused vials: a dispensed vial that comes back to the pharmacy without being given
// (dose not given, or thawed and not used within its window) is recorded on its dispensing row and
// becomes a `returned` vial, held apart until it is destroyed. A dose visit whose vial came back may
// be dispensed again, so "one vial per dose visit" now counts only dispensings not returned.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table vial drop constraint vial_state_check`.execute(db);
  await sql`alter table vial add constraint vial_state_check
    check (state in ('in_stock', 'in_transit', 'dispensed', 'returned', 'destroyed', 'lost'))`.execute(db);
  await db.schema
    .alterTable('dispensing')
    .addColumn('returned_at', 'timestamptz')
    .addColumn('returned_by', 'text')
    .addColumn('returned_by_name', 'text')
    .addColumn('return_reason', 'text')
    .execute();
  await sql`alter table dispensing add constraint dispensing_return_complete
    check ((returned_at is null) = (return_reason is null) and (returned_at is null) = (returned_by is null))`.execute(
    db,
  );
  await sql`drop index dispensing_dose`.execute(db);
  await sql`create unique index dispensing_dose on dispensing (study_id, participant_id, visit_id) where returned_at is null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index dispensing_dose`.execute(db);
  await sql`create unique index dispensing_dose on dispensing (study_id, participant_id, visit_id)`.execute(
    db,
  );
  await sql`alter table dispensing drop constraint dispensing_return_complete`.execute(db);
  await db.schema
    .alterTable('dispensing')
    .dropColumn('returned_at')
    .dropColumn('returned_by')
    .dropColumn('returned_by_name')
    .dropColumn('return_reason')
    .execute();
  await sql`alter table vial drop constraint vial_state_check`.execute(db);
  await sql`alter table vial add constraint vial_state_check
    check (state in ('in_stock', 'in_transit', 'dispensed', 'destroyed', 'lost'))`.execute(db);
}
