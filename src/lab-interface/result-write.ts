import { type FieldInput, isBlank, sameEntry } from '../crf/entries.ts';
import { resolveForm, writeEnteredForm } from '../crf/form.service.ts';
import { entriesOf, findRecord, type SlotKey } from '../crf/form-record.queries.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError } from '../kernel/errors.ts';
import type { Permission } from '../kernel/permissions.ts';
import { writableParticipant } from '../participants/writable.ts';
import type { Protocol } from '../protocol/schema.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import type { CollectionTime } from './lab-report.ts';
import {
  chooseVisit,
  dateFieldOf,
  fieldOf,
  type LabTarget,
  PlacementProblem,
  siteLocalTime,
  targetOf,
} from './placement.ts';

/** A result as stored, enough to place and write it. */
export interface StoredResult {
  loinc: string;
  value: string;
  unit: string | null;
  collectedAt: CollectionTime | null;
}

/** Where a person sends a result from the review queue (any of it left out is decided as on receipt). */
export interface Assignment {
  /** `form.item`, for a result whose LOINC code names no item (or several). */
  item?: string;
  visitKey?: string;
  instance?: number;
}

export interface WrittenResult {
  participantId: string;
  siteId: string;
  visitKey: string;
  formId: string;
  itemId: string;
  instance: number;
  recordId: string | null;
}

function targetFor(protocol: Protocol, result: StoredResult, assignment?: Assignment): LabTarget {
  if (!assignment?.item) return targetOf(protocol, result.loinc);
  const [formId, itemId] = assignment.item.split('.');
  const form = protocol.forms.find((entry) => entry.id === formId);
  const item = form?.items.find((entry) => entry.id === itemId);
  if (!form || !item)
    throw new DomainError(
      'validation_failed',
      `${assignment.item} is not an item of the protocol; give it as form.item.`,
    );
  return { form, item };
}

/** The next log entry of an unscheduled visit, or the one already dated with this collection date. */
async function logInstance(
  trx: Tx,
  studyId: string,
  slot: Omit<SlotKey, 'instance'>,
  dateItem: string | null,
  date: string,
) {
  const rows = await trx
    .selectFrom('form_record')
    .select(['instance', 'entries'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', slot.participantId)
    .where('visit_id', '=', slot.visitKey)
    .where('form_id', '=', slot.formId)
    .execute();
  const same = rows.find(
    (row) => dateItem && String(entriesOf(row as never)[dateItem]?.value ?? '').slice(0, 10) === date,
  );
  if (same) return same.instance;
  return rows.reduce((highest, row) => Math.max(highest, row.instance), 0) + 1;
}

/**
 * Writes one laboratory result to the participant's casebook through the one form writer, in the
 * caller's transaction: the item by LOINC code, the visit by collection date, the value in the item's
 * unit, and the form's collection date when the form has none yet. It throws a PlacementProblem when
 * a person must decide (another value already there, another sample's form, a locked form, a value
 * the form's checks refuse); nothing is written then. The same value already saved is no change.
 */
export interface ResultWork {
  participantId: string;
  result: StoredResult;
  auditReason: string;
  permission: Permission;
  /** Dates are checked against today at the participant's site by this clock. */
  clock: Date;
  assignment?: Assignment;
  /** A person's assignment may replace a different value (their reason is in the audit reason). */
  replace?: boolean;
}

export async function writeResult(
  trx: Tx,
  studyId: string,
  caller: Caller,
  work: ResultWork,
): Promise<WrittenResult> {
  try {
    return await placeAndWrite(trx, studyId, caller, work);
  } catch (error) {
    // A refusal of the participant's or the form's (locked, a hard check): for a person to look at.
    // Forbidden is not: the caller may not write at all.
    if (!(error instanceof DomainError) || error.code === 'forbidden' || error.code === 'not_found')
      throw error;
    const fields = (error.details as { fields?: Array<{ field: string; message: string }> } | undefined)
      ?.fields;
    const text = fields ? fields.map((entry) => `${entry.field}: ${entry.message}`).join(' ') : error.message;
    throw new PlacementProblem(error.code === 'locked' ? 'locked' : 'refused', text);
  }
}

async function placeAndWrite(
  trx: Tx,
  studyId: string,
  caller: Caller,
  work: ResultWork,
): Promise<WrittenResult> {
  const participant = await writableParticipant(trx, studyId, work.participantId, {
    caller,
    permission: work.permission,
  });
  if (!participant.consented) {
    throw new PlacementProblem(
      'refused',
      `No informed consent is recorded for ${participant.screening_number}; no data may be entered before consent.`,
    );
  }
  const current = await protocolVersion(trx, studyId, participant.currentProtocolVersion);
  const target = targetFor(current.protocol, work.result, work.assignment);
  const field = fieldOf(work.result, target.item);
  if (!work.result.collectedAt) {
    throw new PlacementProblem(
      'no_collection_time',
      'The result gives no collection time (OBX-14 or OBR-7, effectiveDateTime).',
    );
  }
  const siteTime = siteLocalTime(work.result.collectedAt, participant.siteTimeZone);
  const dateField = dateFieldOf(target.form, siteTime);
  const visitKey =
    work.assignment?.visitKey ??
    chooseVisit(
      current.protocol,
      target.form,
      { day1Date: participant.day1_date, screeningDate: participant.screening_date },
      siteTime.slice(0, 10),
    ).visitKey;
  const unscheduled =
    current.protocol.schedule.visits.find((visit) => visit.id === visitKey)?.kind === 'unscheduled';
  const base = { participantId: participant.participant_id, visitKey, formId: target.form.id };
  const instance =
    work.assignment?.instance ??
    (unscheduled
      ? await logInstance(trx, studyId, base, dateField?.itemId ?? null, siteTime.slice(0, 10))
      : 1);
  const slot: SlotKey = { ...base, instance };
  const existing = await findRecord(trx, studyId, slot, true);
  const { protocol, versionNo } = await protocolVersion(
    trx,
    studyId,
    existing?.protocol_version ?? participant.currentProtocolVersion,
  );
  const form = resolveForm(protocol, slot);
  const saved = entriesOf(existing);
  const incoming: Record<string, FieldInput> = { [target.item.id]: field };
  if (dateField) {
    const savedDate = saved[dateField.itemId];
    if (isBlank(savedDate)) incoming[dateField.itemId] = { value: dateField.value };
    else if (String(savedDate?.value).slice(0, 10) !== dateField.value.slice(0, 10)) {
      throw new PlacementProblem(
        'other_sample',
        `The ${form.id} form of ${visitKey} holds a sample collected on ${String(savedDate?.value)}; this one was collected on ${dateField.value}.`,
      );
    }
  }
  const written = {
    participantId: participant.participant_id,
    siteId: participant.site_id,
    visitKey,
    formId: form.id,
    itemId: target.item.id,
    instance,
  };
  const old = saved[target.item.id];
  if (!isBlank(old) && !work.replace) {
    const same =
      sameEntry(old, field) ||
      (field.unit !== undefined &&
        old?.original?.value === field.value &&
        old?.original?.unit === field.unit);
    if (same) return { ...written, recordId: existing?.record_id ?? null };
    throw new PlacementProblem(
      'different_value',
      `${form.id}.${target.item.id} of ${visitKey} already holds ${String(old?.value)}; the laboratory sent ${work.result.value}${work.result.unit ? ` ${work.result.unit}` : ''}.`,
    );
  }
  if (existing?.locked_at) {
    throw new PlacementProblem(
      'locked',
      `The ${form.id} form of ${visitKey} is locked; a data manager can unlock it.`,
    );
  }
  const result = await writeEnteredForm(trx, studyId, caller, {
    participant,
    slot,
    protocol,
    versionNo,
    form,
    existing,
    incoming,
    clock: work.clock,
    auditReason: work.auditReason,
  });
  return { ...written, recordId: result.record?.record_id ?? null };
}
