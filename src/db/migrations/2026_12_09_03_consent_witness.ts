import type { Kysely } from 'kysely';

// An impartial witness on a consent (ICH E6(R3)): their name and when they signed, recorded when the
// protocol asks for one; `unable_to_read` says the participant or representative could not read or sign,
// which is when a protocol with `consent.witness: when-needed` asks for the witness. Null on consents
// recorded before: no witness was asked for then, and nothing is made up for them.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('consent')
    .addColumn('unable_to_read', 'boolean')
    .addColumn('witness_name', 'text')
    .addColumn('witness_signed_at', 'timestamptz')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('consent')
    .dropColumn('witness_signed_at')
    .dropColumn('witness_name')
    .dropColumn('unable_to_read')
    .execute();
}
