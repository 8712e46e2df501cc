import type { Selectable } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { FormRecordTable } from '../db/schema-participants.ts';
import type { QueryView } from './crf.schema.ts';
import type { Entries } from './entries.ts';

export type FormRecordRow = Selectable<FormRecordTable>;

export interface SlotKey {
  participantId: string;
  visitKey: string;
  formId: string;
  instance: number;
}

export const entriesOf = (row: FormRecordRow | undefined): Entries =>
  (row?.entries as Entries | undefined) ?? {};

export function findRecord(db: Db, studyId: string, slot: SlotKey, forUpdate = false) {
  let query = db
    .selectFrom('form_record')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('participant_id', '=', slot.participantId)
    .where('visit_id', '=', slot.visitKey)
    .where('form_id', '=', slot.formId)
    .where('instance', '=', slot.instance);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findRecordById(db: Db, studyId: string, recordId: string, forUpdate = false) {
  if (!UUID.test(recordId)) return undefined;
  let query = db
    .selectFrom('form_record')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('record_id', '=', recordId);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

type QueryRow = Selectable<import('../db/schema-participants.ts').DataQueryTable>;

export const toQueryView = (row: QueryRow, protocolVersion: number): QueryView => ({
  queryId: row.query_id,
  recordId: row.record_id,
  participantId: row.participant_id,
  siteId: row.site_id,
  visitKey: row.visit_id,
  formId: row.form_id,
  itemId: row.item_id,
  protocolVersion,
  origin: row.origin,
  status: row.status,
  messages: row.messages as QueryView['messages'],
  raisedAt: new Date(row.raised_at).toISOString(),
  version: row.version,
});

export async function recordQueries(db: Db, studyId: string, recordId: string): Promise<QueryView[]> {
  const rows = await db
    .selectFrom('data_query')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('record_id', '=', recordId)
    .orderBy('raised_at')
    .execute();
  return toQueryViews(db, studyId, rows);
}

/**
 * Query rows as views, each with the protocol version its form record or adverse event was entered
 * under (a query's record is one or the other), so a page names the item as that version does.
 */
export async function toQueryViews(db: Db, studyId: string, rows: QueryRow[]): Promise<QueryView[]> {
  const ids = [...new Set(rows.map((row) => row.record_id))];
  if (ids.length === 0) return [];
  const [records, events] = await Promise.all([
    db
      .selectFrom('form_record')
      .select(['record_id as id', 'protocol_version'])
      .where('study_id', '=', studyId)
      .where('record_id', 'in', ids)
      .execute(),
    db
      .selectFrom('adverse_event')
      .select(['ae_id as id', 'protocol_version'])
      .where('study_id', '=', studyId)
      .where('ae_id', 'in', ids)
      .execute(),
  ]);
  const versions = new Map([...records, ...events].map((row) => [row.id, row.protocol_version]));
  return rows.map((row) => toQueryView(row, versions.get(row.record_id) ?? 0));
}

/** Item ids whose current revision a monitor has verified. */
export async function verifiedItems(db: Db, studyId: string, row: FormRecordRow): Promise<Set<string>> {
  const entries = entriesOf(row);
  const sdv = await db
    .selectFrom('field_sdv')
    .select(['item_id', 'verified_revision'])
    .where('study_id', '=', studyId)
    .where('record_id', '=', row.record_id)
    .execute();
  return new Set(
    sdv
      .filter((entry) => entries[entry.item_id]?.revision === entry.verified_revision)
      .map((entry) => entry.item_id),
  );
}
