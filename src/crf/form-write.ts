import { randomUUID } from 'node:crypto';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { codeFormVerbatims } from '../coding/verbatim-sources.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, validationFailed } from '../kernel/errors.ts';
import { convertEnteredUnits } from '../labs/entered-units.ts';
import { afterLabSave } from '../labs/lab-save.ts';
import { rangeChoosingKeys, reflagParticipant } from '../labs/reflag.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import type { DateContext } from './date-checks.ts';
import { notifyEligibilityAwaiting } from './eligibility-notifications.ts';
import { type Entries, type FieldInput, isBlank, type StoredInput, sameEntry } from './entries.ts';
import { checkForm, type FieldMessage, type FormCheckResult } from './form-checks.ts';
import { entriesOf, type FormRecordRow, type SlotKey } from './form-record.queries.ts';
import { syncEditCheckQueries } from './query.service.ts';
import { participantValues } from './record-values.ts';
import { breakSignatures } from './signature.service.ts';

/** A change to one form record, whoever makes it (a form save, a dose record filling its form, …). */
export interface FormChange {
  participant: { participant_id: string; site_id: string };
  slot: SlotKey;
  protocol: Protocol;
  /** The protocol version a new record is written under. */
  versionNo: number;
  form: ProtocolForm;
  /** The record as it stands, read FOR UPDATE in this transaction; undefined when never saved. */
  existing: FormRecordRow | undefined;
  /** The values that replace those items (a measurement may name another of its item's units); the record's other items keep theirs. */
  incoming: Record<string, FieldInput>;
  /** Date checks against today at the site and the screening date, when the change is typed by a person. */
  dates?: DateContext;
  /** Why values saved before are changed (a correction's reason). */
  reason?: string;
  /**
   * Where the values come from when they are not typed on the form (`dose record <id>`): each event
   * says so, and a correction without its own reason gives this as its reason.
   */
  source?: string;
  /** The reason every audit event of the change gives, first values and corrections alike (an import names its file). */
  auditReason?: string;
  /**
   * Why a locked record is written all the same: an import the data manager chose to override. Each
   * audit event gives it after its reason.
   */
  lockOverride?: string;
  /** How a hard check's refusal is worded for the caller (which request field to name, what was not saved). */
  refuse: (hard: FieldMessage[]) => DomainError;
  /** A rule of the caller's, run after the form's own checks pass and before anything is written; it throws to refuse. */
  afterChecks?: (old: Entries, merged: Record<string, FieldInput>) => Promise<void>;
}

export interface FormWriteResult {
  /** The record after the change (the existing one when nothing changed). */
  record: FormRecordRow | undefined;
  check: FormCheckResult;
  changed: string[];
  created: boolean;
}

const lockedMessage = (change: FormChange) =>
  `The ${change.form.title.en} form of ${change.slot.visitKey} is locked; a data manager can unlock it.`;

/**
 * The one writer of form records. In the caller's transaction (the participant already locked and
 * writable): refuses a locked form; runs the form's checks on the merged values (a hard failure refuses
 * the change through `change.refuse`, a soft one opens a data query); refuses a correction of a saved
 * value without a reason (unless the values come from a `source`); writes each changed item with its
 * revision; audits each changed item with its old and new value; breaks a signature on the form; and
 * syncs the form's edit-check queries. A change that changes nothing writes nothing.
 */
export async function writeFormRecord(
  trx: Tx,
  studyId: string,
  caller: Caller,
  change: FormChange,
): Promise<FormWriteResult> {
  const { existing, slot } = change;
  if (existing?.locked_at && !change.lockOverride) throw new DomainError('locked', lockedMessage(change));
  const old = entriesOf(existing);
  const converted = convertEnteredUnits(change.form, change.incoming);
  if (converted.problems.length > 0) throw change.refuse(converted.problems);
  const merged: Record<string, StoredInput> = { ...old, ...converted.incoming };
  const context = await participantValues(trx, studyId, slot.participantId, {
    preferVisits: [slot.visitKey],
  });
  const check = checkForm(change.protocol, change.form, merged, context, change.dates);
  if (check.hard.length > 0) throw change.refuse(check.hard);
  await change.afterChecks?.(old, merged);
  // A blank that was never answered is no change (sameEntry treats absent and blank alike).
  const changed = Object.keys(merged).filter((itemId) => !sameEntry(old[itemId], merged[itemId]));
  const revised = changed.filter((itemId) => !isBlank(old[itemId]));
  if (revised.length > 0 && !change.reason && !change.source && !change.auditReason) {
    throw validationFailed([
      {
        field: 'reason',
        message: `Give a reason for changing ${revised.join(', ')}, which had been saved before.`,
      },
    ]);
  }
  if (existing && changed.length === 0) return { record: existing, check, changed, created: false };
  const entries = revisedEntries(old, merged, changed);
  const saved = await storeRecord(trx, studyId, change, entries);
  const fieldOf = (itemId: string) => `${slot.visitKey}:${slot.formId}[${slot.instance}].${itemId}`;
  await recordParticipantAudit(
    trx,
    studyId,
    caller.actor,
    change.participant,
    changed.map((itemId) => ({
      action: old[itemId] === undefined ? 'crf.value.enter' : 'crf.value.change',
      entityType: 'form_record',
      entityId: saved.record_id,
      field: fieldOf(itemId),
      oldValue: old[itemId] ?? null,
      newValue: withoutRevision(entries[itemId]),
      reason: reasonFor(change, isBlank(old[itemId])),
    })),
  );
  await afterLabSave(trx, studyId, caller, {
    protocol: change.protocol,
    form: change.form,
    record: saved,
    changed,
    values: context,
  });
  // A corrected sex, date of birth or age chooses other reference ranges for the participant's labs.
  const choosing = rangeChoosingKeys(change.protocol);
  if (changed.some((itemId) => choosing.includes(`${slot.formId}.${itemId}`))) {
    await reflagParticipant(trx, studyId, caller, change.protocol, slot.participantId);
  }
  if (existing?.signed_at) await breakSignatures(trx, studyId, caller, saved);
  await syncEditCheckQueries(trx, studyId, caller, saved, check.soft, { created: !existing });
  await codeFormVerbatims(trx, studyId, caller.actor, change.form, saved);
  await notifyEligibilityAwaiting(trx, studyId, caller, {
    participantId: slot.participantId,
    siteId: change.participant.site_id,
    visitKey: slot.visitKey,
    protocol: change.protocol,
  });
  return { record: saved, check, changed, created: !existing };
}

/** What an audit event says was saved: the value or missing-data code (the event's order is its revision). */
function withoutRevision(entry: Entries[string] | undefined): Omit<Entries[string], 'revision'> | null {
  if (!entry) return null;
  const { revision: _revision, ...saved } = entry;
  return saved;
}

/** A first value needs no reason; a correction gives its own, or says where the values come from. */
function reasonFor(change: FormChange, firstValue: boolean): string | undefined {
  const source = change.source ? `from ${change.source}` : undefined;
  const reason = change.auditReason ?? (firstValue ? source : (change.reason ?? source));
  if (!change.lockOverride || !change.existing?.locked_at) return reason;
  return `${reason ?? 'changed'}; written to a locked record: ${change.lockOverride}`;
}

/** The entries after the change: each changed item with its new value (or missing-data code) and next revision. */
function revisedEntries(old: Entries, merged: Record<string, StoredInput>, changed: string[]): Entries {
  const entries: Entries = { ...old };
  for (const itemId of changed) {
    const input = merged[itemId];
    entries[itemId] = {
      value: input?.missing ? null : (input?.value ?? null),
      ...(input?.original && !input.missing ? { original: input.original } : {}),
      ...(input?.missing ? { missing: input.missing, missingReason: input.missingReason } : {}),
      revision: (old[itemId]?.revision ?? 0) + 1,
    };
  }
  return entries;
}

async function storeRecord(
  trx: Tx,
  studyId: string,
  change: FormChange,
  entries: Entries,
): Promise<FormRecordRow> {
  const now = new Date();
  if (change.existing) {
    return trx
      .updateTable('form_record')
      .set((eb) => ({ entries: JSON.stringify(entries), updated_at: now, version: eb('version', '+', 1) }))
      .where('study_id', '=', studyId)
      .where('record_id', '=', change.existing.record_id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return trx
    .insertInto('form_record')
    .values({
      study_id: studyId,
      record_id: randomUUID(),
      participant_id: change.slot.participantId,
      site_id: change.participant.site_id,
      visit_id: change.slot.visitKey,
      form_id: change.slot.formId,
      instance: change.slot.instance,
      entries: JSON.stringify(entries),
      protocol_version: change.versionNo,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
