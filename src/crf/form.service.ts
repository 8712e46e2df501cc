import type { Database, Db, Tx } from '../db/connection.ts';
import { proposeDeviation } from '../deviations/deviation.service.ts';
import { formOutsideWindow } from '../deviations/visit-window.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import { reconsentWarning } from '../participants/reconsent.queries.ts';
import type { ReconsentDue } from '../participants/reconsent.ts';
import { findSlot, validInstance } from '../participants/schedule.ts';
import { type WritableParticipant, writableParticipant } from '../participants/writable.ts';
import { isDoseRecordForm } from '../protocol/dose-record-form.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { siteWorkingVersion } from '../protocol/site-version.ts';
import { protocolVersion } from '../study/protocol-store.ts';
import { dateInZone } from '../study/site-time.ts';
import { consentAnswerProblems, consentAnswersOf } from './consent-answers.ts';
import type { FormRecordView, SaveFormRequest } from './crf.schema.ts';
import { type FieldInput, isBlankValue } from './entries.ts';
import { checkForm, type FormCheckResult, type SoftFailure } from './form-checks.ts';
import {
  entriesOf,
  type FormRecordRow,
  findRecord,
  recordQueries,
  type SlotKey,
  verifiedItems,
} from './form-record.queries.ts';
import { writeFormRecord } from './form-write.ts';
import { participantValues } from './record-values.ts';

export function resolveForm(protocol: Protocol, slot: SlotKey): ProtocolForm {
  const formSlot = findSlot(protocol, slot.visitKey, slot.formId);
  if (!formSlot) throw notFound(`Form ${slot.formId} at visit ${slot.visitKey}`);
  if (!validInstance(protocol, formSlot, slot.instance)) {
    throw validationFailed([
      { field: 'instance', message: `Instance ${slot.instance} does not exist for ${slot.visitKey}.` },
    ]);
  }
  const form = protocol.forms.find((entry) => entry.id === slot.formId);
  if (!form) throw notFound(`Form ${slot.formId}`);
  return form;
}

/**
 * A record as the API shows it; a slot never saved shows as version 0 with no entries. A save passes
 * what it already knows: the check it has just run on the same values, and whether it created the
 * record (`created`: no SDV mark can exist yet, and a query only if the check just raised one).
 */
export async function recordView(
  db: Db,
  studyId: string,
  slot: SlotKey,
  row: FormRecordRow | undefined,
  protocol: Protocol,
  known?: { check: FormCheckResult; created: boolean },
): Promise<FormRecordView> {
  const form = resolveForm(protocol, slot);
  const entries = entriesOf(row);
  const check =
    known?.check ??
    checkForm(
      protocol,
      form,
      entries,
      await participantValues(db, studyId, slot.participantId, { preferVisits: [slot.visitKey] }),
    );
  const verified = row && !known?.created ? await verifiedItems(db, studyId, row) : new Set<string>();
  const hasQueries = row !== undefined && !(known?.created && known.check.soft.length === 0);
  return {
    recordId: row?.record_id ?? null,
    participantId: slot.participantId,
    visitKey: slot.visitKey,
    formId: slot.formId,
    instance: slot.instance,
    entries: Object.fromEntries(
      Object.entries(entries).map(([itemId, entry]) => [
        itemId,
        { ...entry, verified: verified.has(itemId) },
      ]),
    ),
    version: row?.version ?? 0,
    protocolVersion: row?.protocol_version ?? 0,
    complete: row !== undefined && check.incomplete.length === 0,
    incomplete: check.incomplete,
    signed:
      row?.signed_at && row.signed_by
        ? { at: new Date(row.signed_at).toISOString(), by: row.signed_by }
        : null,
    locked: row?.locked_at !== null && row?.locked_at !== undefined,
    queries: row && hasQueries ? await recordQueries(db, studyId, row.record_id) : [],
  };
}

export async function getForm(
  db: Db,
  studyId: string,
  caller: Caller,
  slot: SlotKey,
): Promise<FormRecordView> {
  const participant = await findParticipant(db, studyId, slot.participantId);
  authorize(caller.user, 'crf.read', { siteId: participant.site_id });
  const row = await findRecord(db, studyId, slot);
  // A form not saved yet is shown as the site's protocol version has it.
  const { protocol } = await protocolVersion(
    db,
    studyId,
    row?.protocol_version ?? (await siteWorkingVersion(db, studyId, participant.site_id)),
  );
  return recordView(db, studyId, slot, row, protocol);
}

/** The fields as sent, a text of only spaces being no value (it is saved as blank, not as spaces). */
function withoutBlankText(entries: Record<string, FieldInput>): Record<string, FieldInput> {
  return Object.fromEntries(
    Object.entries(entries).map(([itemId, field]) => [
      itemId,
      typeof field.value === 'string' && isBlankValue(field.value) ? { ...field, value: null } : field,
    ]),
  );
}

/**
 * Saves a form: the fields sent replace those fields (others keep their values). Types, ranges, skip
 * logic and hard edit checks refuse the save with each field's message; soft checks save and raise a
 * query. A stale version gets 409 with the current record. Each changed field is one audit event with
 * its old and new value; changing a value saved before needs a reason; a signature on the record breaks.
 * Dates are checked against today at the participant's site by `clock` and its screening date. A form
 * dated outside its visit's window proposes a protocol deviation in the same transaction.
 */
export async function saveForm(
  database: Database,
  studyId: string,
  caller: Caller,
  slot: SlotKey,
  request: SaveFormRequest,
  clock = new Date(),
): Promise<SavedForm> {
  return database.transaction((trx) => saveFormIn(trx, studyId, caller, slot, request, clock));
}

/** What a form save writes, typed on the form or read from a file. */
export interface EnteredForm {
  participant: WritableParticipant;
  slot: SlotKey;
  protocol: Protocol;
  versionNo: number;
  form: ProtocolForm;
  existing: FormRecordRow | undefined;
  incoming: Record<string, FieldInput>;
  /** Dates are checked against today at the participant's site by this clock. */
  clock: Date;
  reason?: string;
  /** The reason every audit event of the change gives (an import names its file). */
  auditReason?: string;
  /** Why a locked record is changed all the same (an import the data manager chose to override). */
  lockOverride?: string;
}

/**
 * The checks and writes of a save after its preconditions (participant writable and consented, the
 * record read for update, its version matched): the one form writer with the dates of the site, the
 * rule that the consent copies hold the consent record's answers, and a protocol deviation proposed
 * when the form is dated outside its visit's window.
 */
export async function writeEnteredForm(trx: Tx, studyId: string, caller: Caller, entered: EnteredForm) {
  const { participant, slot, protocol, form } = entered;
  const result = await writeFormRecord(trx, studyId, caller, {
    participant,
    slot,
    protocol,
    versionNo: entered.versionNo,
    form,
    existing: entered.existing,
    incoming: entered.incoming,
    dates: {
      today: dateInZone(entered.clock, participant.siteTimeZone),
      screeningDate: participant.screening_date,
    },
    reason: entered.reason,
    auditReason: entered.auditReason,
    lockOverride: entered.lockOverride,
    refuse: (hard) =>
      validationFailed(
        hard.map((problem) => ({
          field: problem.item,
          message: problem.message.en,
          messages: problem.message,
        })),
        'Some values cannot be saved; nothing was saved.',
      ),
    // Beyond what no form may hold (the hard checks), the consent copies may hold only the record's answers.
    afterChecks: async (old, merged) => {
      const fromConsent = consentAnswerProblems(
        form,
        await consentAnswersOf(trx, studyId, protocol, form, participant),
        old,
        merged,
      );
      if (fromConsent.length > 0) {
        throw validationFailed(fromConsent, 'Some answers come from the consent record; nothing was saved.');
      }
    },
  });
  if (result.changed.length > 0 && result.record && participant.day1_date) {
    const outside = formOutsideWindow(
      protocol,
      form,
      { visitKey: slot.visitKey, instance: slot.instance, recordId: result.record.record_id },
      entriesOf(result.record),
      String(participant.day1_date),
    );
    if (outside) await proposeDeviation(trx, studyId, caller, participant, outside);
  }
  return result;
}

/** A saved form with its soft-check warnings and the re-consent the participant owes, if any. */
export type SavedForm = FormRecordView & {
  warnings: SoftFailure[];
  reconsent: (ReconsentDue & { message: { en: string; zh: string } }) | null;
};

/** `saveForm` inside a transaction the caller holds (a consent recorded again rewrites its copies). */
export async function saveFormIn(
  trx: Tx,
  studyId: string,
  caller: Caller,
  slot: SlotKey,
  request: SaveFormRequest,
  clock = new Date(),
): Promise<SavedForm> {
  const participant = await writableParticipant(trx, studyId, slot.participantId, {
    caller,
    permission: 'crf.enter',
  });
  if (!participant.consented) {
    throw conflict(
      `No informed consent is recorded for ${participant.screening_number}: no study procedure may be recorded before consent.`,
    );
  }
  const row = await findRecord(trx, studyId, slot, true);
  // A record keeps the protocol version it was first saved under; a new one takes the current version.
  const { protocol, versionNo } = await protocolVersion(
    trx,
    studyId,
    row?.protocol_version ?? participant.currentProtocolVersion,
  );
  const form = resolveForm(protocol, slot);
  if (isDoseRecordForm(form)) {
    throw conflict(
      `The ${form.title.en} form is filled from the dose record: record or correct the dose in the Dosing screen (POST /api/v1/participants/{id}/doses/{visitId}, PUT /api/v1/doses/{administrationId}).`,
      { recordedIn: 'dosing' },
    );
  }
  if ((row?.version ?? 0) !== request.version) {
    throw conflict(
      `This form was changed by someone else (now version ${row?.version ?? 0}, yours ${request.version}).`,
      {
        current: await recordView(trx, studyId, slot, row, protocol),
      },
    );
  }
  const result = await writeEnteredForm(trx, studyId, caller, {
    participant,
    slot,
    protocol,
    versionNo,
    form,
    existing: row,
    incoming: withoutBlankText(request.entries),
    clock,
    reason: request.reason,
  });
  const known = result.changed.length > 0 ? { check: result.check, created: result.created } : undefined;
  return {
    ...(await recordView(trx, studyId, slot, result.record, protocol, known)),
    warnings: result.check.soft,
    reconsent: await reconsentWarning(trx, studyId, participant),
  };
}
