import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
type AnyDb = Kysely<any>;

const index = (db: AnyDb, statement: string) => sql.raw(statement).execute(db);

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('product_lot')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('lot_id', 'uuid', (c) => c.notNull())
    .addColumn('lot_number', 'text', (c) => c.notNull())
    .addColumn('manufacturer', 'text', (c) => c.notNull())
    .addColumn('manufactured_on', 'date', (c) => c.notNull())
    .addColumn('concentration_per_ml', 'double precision', (c) => c.notNull())
    .addColumn('volume_ml', 'double precision', (c) => c.notNull())
    .addColumn('vial_count', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'released', 'rejected')`))
    .addColumn('release_results', 'jsonb')
    .addColumn('results_entered_at', 'timestamptz')
    .addColumn('results_entered_by', 'text')
    .addColumn('released_at', 'timestamptz')
    .addColumn('released_by', 'text')
    .addColumn('released_by_name', 'text')
    .addColumn('release_meaning', 'text')
    .addColumn('rejected_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('product_lot_pk', ['study_id', 'lot_id'])
    .execute();
  await index(db, 'create unique index product_lot_number on product_lot (study_id, lot_number)');

  await db.schema
    .createTable('storage_unit')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'uuid', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('freezer', 'refrigerator', 'shipping_container', 'room')`),
    )
    .addColumn('site_id', 'text')
    .addColumn('nominal_celsius', 'double precision', (c) => c.notNull())
    .addColumn('low_celsius', 'double precision', (c) => c.notNull())
    .addColumn('high_celsius', 'double precision', (c) => c.notNull())
    .addColumn('excursion_tolerance_minutes', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('storage_unit_pk', ['study_id', 'unit_id'])
    .addForeignKeyConstraint('storage_unit_site_fk', ['study_id', 'site_id'], 'site', ['study_id', 'site_id'])
    .execute();
  await index(db, 'create unique index storage_unit_code on storage_unit (study_id, code)');

  await db.schema
    .createTable('vial')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('vial_id', 'uuid', (c) => c.notNull())
    .addColumn('lot_id', 'uuid', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) =>
      c.notNull().check(sql`state in ('in_stock', 'in_transit', 'dispensed', 'destroyed', 'lost')`),
    )
    .addColumn('site_id', 'text')
    .addColumn('unit_id', 'uuid')
    .addColumn('shelf_used', 'double precision', (c) => c.notNull())
    .addColumn('located_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('thawed_at', 'timestamptz')
    .addColumn('quarantined_at', 'timestamptz')
    .addColumn('quarantine_reason', 'text')
    .addColumn('quarantine_excursion_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('vial_pk', ['study_id', 'vial_id'])
    .addForeignKeyConstraint('vial_lot_fk', ['study_id', 'lot_id'], 'product_lot', ['study_id', 'lot_id'])
    .execute();
  await index(db, 'create unique index vial_code on vial (study_id, code)');
  await index(db, 'create index vial_place on vial (study_id, site_id, state)');
  await index(db, 'create index vial_lot on vial (study_id, lot_id)');

  await db.schema
    .createTable('vial_location')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('vial_id', 'uuid', (c) => c.notNull())
    .addColumn('unit_id', 'uuid', (c) => c.notNull())
    .addColumn('entered_at', 'timestamptz', (c) => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .execute();
  await index(db, 'create index vial_location_unit on vial_location (study_id, unit_id, entered_at)');
  await index(db, 'create index vial_location_vial on vial_location (study_id, vial_id, entered_at)');

  await db.schema
    .createTable('vial_event')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'uuid', (c) => c.notNull())
    .addColumn('vial_id', 'uuid', (c) => c.notNull())
    .addColumn('lot_id', 'uuid', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('site_id', 'text')
    .addColumn('unit_id', 'uuid')
    .addColumn('shipment_id', 'uuid')
    .addColumn('participant_id', 'uuid')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('vial_event_pk', ['study_id', 'event_id'])
    .execute();
  await index(db, 'create index vial_event_vial on vial_event (study_id, vial_id, at)');

  await db.schema
    .createTable('temperature_reading')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'uuid', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('celsius', 'double precision', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('logger', 'manual')`))
    .addColumn('import_id', 'uuid')
    .addColumn('entered_by', 'text')
    .addPrimaryKeyConstraint('temperature_reading_pk', ['study_id', 'unit_id', 'recorded_at'])
    .execute();

  await db.schema
    .createTable('temperature_import')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('import_id', 'uuid', (c) => c.notNull())
    .addColumn('unit_id', 'uuid', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'completed', 'failed')`))
    .addColumn('rows_read', 'integer', (c) => c.notNull())
    .addColumn('rows_imported', 'integer', (c) => c.notNull())
    .addColumn('rows_duplicate', 'integer', (c) => c.notNull())
    .addColumn('rows_bad', 'integer', (c) => c.notNull())
    .addColumn('bad_rows', 'jsonb', (c) => c.notNull())
    .addColumn('first_at', 'timestamptz')
    .addColumn('last_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz')
    .addColumn('imported_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('temperature_import_pk', ['study_id', 'import_id'])
    .execute();

  await db.schema
    .createTable('excursion')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('excursion_id', 'uuid', (c) => c.notNull())
    .addColumn('unit_id', 'uuid', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('minutes', 'double precision', (c) => c.notNull())
    .addColumn('min_celsius', 'double precision', (c) => c.notNull())
    .addColumn('max_celsius', 'double precision', (c) => c.notNull())
    .addColumn('detected_at', 'timestamptz', (c) => c.notNull())
    .addColumn('vials_quarantined', 'integer', (c) => c.notNull())
    .addColumn('vials_already_used', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('excursion_pk', ['study_id', 'excursion_id'])
    .execute();
  await index(db, 'create index excursion_unit on excursion (study_id, unit_id, started_at)');

  await db.schema
    .createTable('vial_disposition')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('disposition_id', 'uuid', (c) => c.notNull())
    .addColumn('vial_id', 'uuid', (c) => c.notNull())
    .addColumn('excursion_id', 'uuid')
    .addColumn('decision', 'text', (c) => c.notNull().check(sql`decision in ('release', 'destroy')`))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text', (c) => c.notNull())
    .addColumn('decided_by_name', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('vial_disposition_pk', ['study_id', 'disposition_id'])
    .execute();

  await db.schema
    .createTable('shipment')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('shipment_id', 'uuid', (c) => c.notNull())
    .addColumn('from_unit_id', 'uuid', (c) => c.notNull())
    .addColumn('to_unit_id', 'uuid', (c) => c.notNull())
    .addColumn('container_unit_id', 'uuid')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('packed', 'shipped', 'received')`))
    .addColumn('courier', 'text')
    .addColumn('packed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('shipped_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz')
    .addColumn('condition', 'text')
    .addColumn('condition_note', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('shipment_pk', ['study_id', 'shipment_id'])
    .execute();

  await db.schema
    .createTable('shipment_vial')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('shipment_id', 'uuid', (c) => c.notNull())
    .addColumn('vial_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('shipment_vial_pk', ['study_id', 'shipment_id', 'vial_id'])
    .execute();

  await db.schema
    .createTable('custody_signature')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('signature_id', 'uuid', (c) => c.notNull())
    .addColumn('shipment_id', 'uuid', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull().check(sql`step in ('pack', 'ship', 'receive')`))
    .addColumn('from_party', 'text', (c) => c.notNull())
    .addColumn('to_party', 'text', (c) => c.notNull())
    .addColumn('signer_id', 'text', (c) => c.notNull())
    .addColumn('signer_name', 'text', (c) => c.notNull())
    .addColumn('meaning', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('custody_signature_pk', ['study_id', 'signature_id'])
    .execute();

  await db.schema
    .createTable('dispensing')
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('dispensing_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('visit_id', 'text', (c) => c.notNull())
    .addColumn('vial_id', 'uuid', (c) => c.notNull())
    .addColumn('lot_id', 'uuid', (c) => c.notNull())
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('dispensed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dispensed_by', 'text', (c) => c.notNull())
    .addColumn('dispensed_by_name', 'text', (c) => c.notNull())
    .addColumn('thawed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('dispensing_pk', ['study_id', 'dispensing_id'])
    .addForeignKeyConstraint('dispensing_participant_fk', ['study_id', 'participant_id'], 'participant', [
      'study_id',
      'participant_id',
    ])
    .addForeignKeyConstraint('dispensing_vial_fk', ['study_id', 'vial_id'], 'vial', ['study_id', 'vial_id'])
    .execute();
  // One vial is dispensed once; one dose visit of a participant gets one vial.
  await index(db, 'create unique index dispensing_vial on dispensing (study_id, vial_id)');
  await index(db, 'create unique index dispensing_dose on dispensing (study_id, participant_id, visit_id)');
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the evolving schema types
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'dispensing',
    'custody_signature',
    'shipment_vial',
    'shipment',
    'vial_disposition',
    'excursion',
    'temperature_import',
    'temperature_reading',
    'vial_event',
    'vial_location',
    'vial',
    'storage_unit',
    'product_lot',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
