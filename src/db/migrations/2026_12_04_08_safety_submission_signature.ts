import type { Kysely } from 'kysely';

// Recording that an expedited safety report was sent is an electronic signature (21 CFR 11.50):
// the submission keeps who signed it and what the signature meant, beside when it was recorded.
// Submissions recorded before this change were not signed and keep these empty.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('safety_submission')
    .addColumn('signer_id', 'text')
    .addColumn('signer_name', 'text')
    .addColumn('signature_meaning', 'text')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('safety_submission')
    .dropColumn('signature_meaning')
    .dropColumn('signer_name')
    .dropColumn('signer_id')
    .execute();
}
