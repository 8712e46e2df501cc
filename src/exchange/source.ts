import type { Selectable } from 'kysely';
import { type CodedTerm, codedTermsOf } from '../coding/coded-terms.ts';
import type { Entries } from '../crf/entries.ts';
import type { Database } from '../db/connection.ts';
import type { ConsentTable, FormRecordTable, ParticipantTable } from '../db/schema-participants.ts';
import { doseRecordForm } from '../protocol/dose-record-form.ts';
import type { Protocol } from '../protocol/schema.ts';

export type ParticipantRow = Selectable<ParticipantTable>;
export type FormRecordRow = Selectable<FormRecordTable>;
export type ConsentRow = Selectable<ConsentTable>;

/** One dose as the dosing module recorded it, with the lot and vial it came from (src/product). */
export interface DoseSource {
  id: string;
  visitId: string;
  doseNumber: number;
  status: 'completed' | 'interrupted' | 'not-given';
  startedAt: string | null;
  endedAt: string | null;
  volumeMl: number | null;
  interruptionReason: string | null;
  notGivenReason: string | null;
  lotNumber: string | null;
  vialCode: string | null;
}

/** One participant with everything recorded for them: the unit every export is built from. */
export interface SubjectSource {
  participant: ParticipantRow;
  consents: ConsentRow[];
  /** In visit, form and instance order. */
  records: FormRecordRow[];
  /** Dose records of the dosing module, in dose order; empty where doses were kept only on the eCRF. */
  doses: DoseSource[];
  /** Protocol deviations an investigator or monitor confirmed, by date (proposed and rejected ones are not deviations). */
  deviations: DeviationSource[];
  /** Laboratory values' flags against their reference ranges (src/labs), by record and item. */
  labFlags: LabFlagSource[];
  /** The coded terms (MedDRA, WHODrug) of the participant's verbatims, by adverse event or conmeds record id. */
  codings?: Map<string, CodedTerm>;
  /** The arm the participant was randomised to (src/randomisation); absent when not allocated. Each export asks armsVisible before it writes it. */
  allocatedArm?: string;
}

/** A laboratory value's reference range and flag, as SDTM LB reports them. */
export interface LabFlagSource {
  recordId: string;
  itemId: string;
  flag: 'low' | 'normal' | 'high' | null;
  /** The range in the unit the value was entered in, and in the item's unit. */
  rangeLow: number | null;
  rangeHigh: number | null;
  standardLow: number | null;
  standardHigh: number | null;
}

/** A confirmed protocol deviation (src/deviations). */
export interface DeviationSource {
  id: string;
  visitId: string | null;
  category: string;
  severity: 'major' | 'minor';
  description: string;
  occurredOn: string;
}

/** Adverse events belong to no visit; they are read as records of the protocol's adverse-event form at this key. */
export const ADVERSE_EVENT_VISIT = 'common';

/** An instant as ISO 8601 in UTC, to the second (`2020-02-15T01:00:00Z`). */
const instantText = (value: Date | string | null) =>
  value === null ? null : new Date(value).toISOString().replace(/\.000Z$/, 'Z');

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
  /** The protocol's adverse-event form (`safety.adverseEvents.form`): adverse events read as its records. */
  aeFormId: string,
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
      const [records, consents, adverseEvents, doses, deviations, labFlags, codings] = await Promise.all([
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
        // Adverse events live in their own table (src/safety), in the fields of the protocol's adverse-event form.
        db
          .selectFrom('adverse_event')
          .selectAll()
          .where('study_id', '=', studyId)
          .where('participant_id', 'in', ids)
          .orderBy('ae_number')
          .execute(),
        db
          .selectFrom('dosing_administration as dose')
          .leftJoin('dispensing', (join) =>
            join
              .onRef('dispensing.study_id', '=', 'dose.study_id')
              .onRef('dispensing.dispensing_id', '=', 'dose.dispensing_id'),
          )
          .leftJoin('product_lot as lot', (join) =>
            join
              .onRef('lot.study_id', '=', 'dispensing.study_id')
              .onRef('lot.lot_id', '=', 'dispensing.lot_id'),
          )
          .leftJoin('vial', (join) =>
            join
              .onRef('vial.study_id', '=', 'dispensing.study_id')
              .onRef('vial.vial_id', '=', 'dispensing.vial_id'),
          )
          .select([
            'dose.participant_id',
            'dose.administration_id',
            'dose.visit_id',
            'dose.dose_number',
            'dose.status',
            'dose.started_at',
            'dose.ended_at',
            'dose.volume_ml',
            'dose.interruption_reason',
            'dose.not_given_reason',
            'dose.vial_number',
            'lot.lot_number',
            'vial.code as vial_code',
          ])
          .where('dose.study_id', '=', studyId)
          .where('dose.participant_id', 'in', ids)
          .orderBy('dose.dose_number')
          .execute(),
        db
          .selectFrom('protocol_deviation')
          .select([
            'participant_id',
            'deviation_id',
            'visit_id',
            'category',
            'severity',
            'description',
            'occurred_on',
          ])
          .where('study_id', '=', studyId)
          .where('participant_id', 'in', ids)
          .where('status', '=', 'confirmed')
          .orderBy('occurred_on')
          .orderBy('reported_at')
          .execute(),
        db
          .selectFrom('lab_flag')
          .select([
            'participant_id',
            'record_id',
            'item_id',
            'flag',
            'range_low',
            'range_high',
            'standard_low',
            'standard_high',
          ])
          .where('study_id', '=', studyId)
          .where('participant_id', 'in', ids)
          .execute(),
        codedTermsOf(db, studyId, ids),
      ]);
      const allocations = await db
        .selectFrom('randomisation_allocation')
        .select(['participant_id', 'arm'])
        .where('study_id', '=', studyId)
        .where('participant_id', 'in', ids)
        .execute();
      const arms = new Map(allocations.map((allocation) => [allocation.participant_id, allocation.arm]));
      const byParticipant = new Map<string, SubjectSource>(
        participants.map((participant) => [
          participant.participant_id,
          {
            participant,
            consents: [],
            records: [],
            doses: [],
            deviations: [],
            labFlags: [],
            codings: codings.get(participant.participant_id) ?? new Map(),
            ...(arms.has(participant.participant_id)
              ? { allocatedArm: arms.get(participant.participant_id) }
              : {}),
          },
        ]),
      );
      for (const record of records) byParticipant.get(record.participant_id)?.records.push(record);
      for (const flag of labFlags) {
        byParticipant.get(flag.participant_id)?.labFlags.push({
          recordId: flag.record_id,
          itemId: flag.item_id,
          flag: flag.flag,
          rangeLow: flag.range_low,
          rangeHigh: flag.range_high,
          standardLow: flag.standard_low,
          standardHigh: flag.standard_high,
        });
      }
      for (const event of adverseEvents) {
        byParticipant.get(event.participant_id)?.records.push({
          study_id: event.study_id,
          record_id: event.ae_id,
          participant_id: event.participant_id,
          site_id: event.site_id,
          visit_id: ADVERSE_EVENT_VISIT,
          form_id: aeFormId,
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
      for (const dose of doses) {
        byParticipant.get(dose.participant_id)?.doses.push({
          id: dose.administration_id,
          visitId: dose.visit_id,
          doseNumber: dose.dose_number,
          status: dose.status,
          startedAt: instantText(dose.started_at),
          endedAt: instantText(dose.ended_at),
          volumeMl: dose.volume_ml === null ? null : Number(dose.volume_ml),
          interruptionReason: dose.interruption_reason,
          notGivenReason: dose.not_given_reason,
          lotNumber: dose.lot_number ?? null,
          vialCode: dose.vial_code ?? dose.vial_number,
        });
      }
      for (const deviation of deviations) {
        byParticipant.get(deviation.participant_id)?.deviations.push({
          id: deviation.deviation_id,
          visitId: deviation.visit_id,
          category: deviation.category,
          severity: deviation.severity,
          description: deviation.description,
          occurredOn: deviation.occurred_on,
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

/** A dose given, whichever module recorded it. */
export interface GivenDose {
  id: string;
  visitId: string;
  instance: number;
  startedAt: string | null;
  endedAt: string | null;
  volumeMl: number | null;
  /** The product lot (from the dispensing record); the eCRF form knows only the vial. */
  lotNumber: string | null;
  vialCode: string | null;
  interruptionReason: string | null;
}

/**
 * The doses a participant was given: from the dosing module's records when it holds any (with the
 * lot of the dispensed vial), else from the protocol's dose record form (SDTM EX), where trials without the dosing
 * screen (and data imported from elsewhere) keep them. Doses not given are left out.
 */
export function givenDoses(subject: SubjectSource, protocol: Protocol): GivenDose[] {
  if (subject.doses.length > 0) {
    return subject.doses
      .filter((dose) => dose.status !== 'not-given')
      .map((dose) => ({
        id: dose.id,
        visitId: dose.visitId,
        instance: 1,
        startedAt: dose.startedAt,
        endedAt: dose.endedAt,
        volumeMl: dose.volumeMl,
        lotNumber: dose.lotNumber,
        vialCode: dose.vialCode,
        interruptionReason: dose.status === 'interrupted' ? dose.interruptionReason : null,
      }));
  }
  const text = (value: unknown) =>
    value === null || value === undefined || value === ''
      ? null
      : value instanceof Date
        ? value.toISOString()
        : String(value);
  const form = doseRecordForm(protocol);
  const items = protocol.doseRecord?.items;
  if (!form || !items) return [];
  const itemValue = (record: FormRecordRow, itemId: string | undefined) =>
    itemId === undefined ? undefined : fieldValue(record, itemId);
  return recordsOf(subject, form.id)
    .filter((record) => fieldValue(record, items.administered) === true)
    .map((record) => {
      const volume = itemValue(record, items.volume);
      return {
        id: record.record_id,
        visitId: record.visit_id,
        instance: record.instance,
        startedAt: text(fieldValue(record, items.startedAt)),
        endedAt: text(itemValue(record, items.endedAt)),
        volumeMl: typeof volume === 'number' ? volume : null,
        lotNumber: null,
        vialCode: text(itemValue(record, items.vialNumber)),
        interruptionReason: text(itemValue(record, items.interruptionReason)),
      };
    });
}
