import type { Kysely } from 'kysely';

// A submission keeps the document that was sent, not only its data: the CIOMS I PDF as bytes
// (base64 text, so both drivers and the backup format carry it unchanged), its SHA-256 and its
// language, and which report of the clock it was (0 the initial, 1, 2 … the follow-ups).
// Submissions recorded before this change keep these empty; their PDF is re-made from the data.

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('safety_submission')
    .addColumn('follow_up_number', 'integer')
    .addColumn('document_pdf', 'text')
    .addColumn('document_sha256', 'text')
    .addColumn('document_language', 'text')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('safety_submission')
    .dropColumn('document_language')
    .dropColumn('document_sha256')
    .dropColumn('document_pdf')
    .dropColumn('follow_up_number')
    .execute();
}
