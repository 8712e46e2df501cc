import type { Kysely } from 'kysely';

// Which site a laboratory message comes from: each site lists the sending-facility identifiers of its
// hospital laboratory (HL7 MSH-4, the performer of a FHIR bundle). A facility belongs to one site, so
// the key is the facility. A message keeps the facility it named and the site that was found for it,
// so that its results waiting for review belong to that site's staff (and to no other site's).

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('site_lab_facility')
    .addColumn('study_id', 'text', (column) => column.notNull())
    .addColumn('facility_id', 'text', (column) => column.notNull())
    .addColumn('site_id', 'text', (column) => column.notNull())
    .addColumn('recorded_at', 'timestamptz', (column) => column.notNull())
    .addColumn('recorded_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('site_lab_facility_pk', ['study_id', 'facility_id'])
    .execute();
  await db.schema
    .alterTable('lab_message')
    .addColumn('sending_facility', 'text')
    .addColumn('site_id', 'text')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lab_message').dropColumn('site_id').dropColumn('sending_facility').execute();
  await db.schema.dropTable('site_lab_facility').execute();
}
