import type { Selectable } from 'kysely';
import type { Entries } from '../crf/entries.ts';
import type { Database } from '../db/connection.ts';
import type { ConsentTable, FormRecordTable, ParticipantTable } from '../db/schema-participants.ts';

export type ParticipantRow = Selectable<ParticipantTable>;
export type FormRecordRow = Selectable<FormRecordTable>;
export type ConsentRow = Selectable<ConsentTable>;

/** One participant with everything recorded for them: the unit every export is built from. */
export interface SubjectSource {
  participant: ParticipantRow;
  consents: ConsentRow[];
  /** In visit, form and instance order. */
  records: FormRecordRow[];
}

/** Adverse events belong to no visit; they are read as records of the adverseEvent form at this key. */
export const ADVERSE_EVENT_VISIT = 'common';

/** Participants per database read: bounds memory whatever the size of the study. */
export const SUBJECT_BATCH = 200;

/**
 * Every participant of the study with their records, a batch at a time in screening-number order
 * (keyset pagination, one short read per batch), so exports stream at flat memory and never hold the
 * database lock for long.
 */
export async function* subjectBatches(
  database: Database,
  studyId: string,
  batchSize = SUBJECT_BATCH,
): AsyncGenerator<SubjectSource[]> {
  let after: { siteId: string; number: string } | null = null;
  for (;;) {
    const cursor: { siteId: string; number: string } | null = after;
    const batch = await database.read(async (db) => {
      let query = db.selectFrom('participant').selectAll().where('study_id', '=', studyId);
      if (cursor) {
        query = query.where((eb) =>
          eb.or([
            eb('site_id', '>', cursor.siteId),
            eb.and([eb('site_id', '=', cursor.siteId), eb('screening_number', '>', cursor.number)]),
          ]),
        );
      }
      const participants = await query
        .orderBy('site_id')
        .orderBy('screening_number')
        .limit(batchSize)
        .execute();
      if (participants.length === 0) return [];
      const ids = participants.map((participant) => participant.participant_id);
      const [records, consents, adverseEvents] = await Promise.all([
        db
          .selectFrom('form_record')
          .selectAll()
          .where('study_id', '=', studyId)
          .where('participant_id', 'in', ids)
          .orderBy('participant_id')
          .orderBy('visit_id')
          .orderBy('form_id')
          .orderBy('instance')
          .execute(),
        db
          .selectFrom('consent')
          .selectAll()
          .where('study_id', '=', studyId)
          .where('participant_id', 'in', ids)
          .orderBy('consented_at')
          .execute(),
        // Adverse events live in their own table (src/safety), in the fields of the protocol's adverseEvent form.
        db
          .selectFrom('adverse_event')
          .selectAll()
          .where('study_id', '=', studyId)
          .where('participant_id', 'in', ids)
          .orderBy('ae_number')
          .execute(),
      ]);
      const byParticipant = new Map<string, SubjectSource>(
        participants.map((participant) => [
          participant.participant_id,
          { participant, consents: [], records: [] },
        ]),
      );
      for (const record of records) byParticipant.get(record.participant_id)?.records.push(record);
      for (const event of adverseEvents) {
        byParticipant.get(event.participant_id)?.records.push({
          study_id: event.study_id,
          record_id: event.ae_id,
          participant_id: event.participant_id,
          site_id: event.site_id,
          visit_id: ADVERSE_EVENT_VISIT,
          form_id: 'adverseEvent',
          instance: event.ae_number,
          entries: event.entries,
          protocol_version: event.protocol_version,
          signed_at: null,
          signed_by: null,
          signed_version: null,
          locked_at: null,
          locked_by: null,
          created_at: event.created_at,
          updated_at: event.updated_at,
          version: event.version,
        });
      }
      for (const consent of consents) byParticipant.get(consent.participant_id)?.consents.push(consent);
      return [...byParticipant.values()];
    });
    if (batch.length === 0) return;
    yield batch;
    const last = batch.at(-1)?.participant;
    if (!last || batch.length < batchSize) return;
    after = { siteId: last.site_id, number: last.screening_number };
  }
}

/** A record's entries. */
export const entriesOfRecord = (record: FormRecordRow): Entries => (record.entries ?? {}) as Entries;

/** A field's value, or null when blank or recorded as missing. */
export function fieldValue(record: FormRecordRow | undefined, itemId: string): unknown {
  if (!record) return null;
  const entry = entriesOfRecord(record)[itemId];
  if (!entry || entry.missing) return null;
  return entry.value ?? null;
}

/** Records of one form, optionally at one visit key. */
export function recordsOf(subject: SubjectSource, formId: string, visitKey?: string): FormRecordRow[] {
  return subject.records.filter(
    (record) => record.form_id === formId && (visitKey === undefined || record.visit_id === visitKey),
  );
}
