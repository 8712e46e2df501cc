import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { recordParticipantAudit } from '../audit/audit.service.ts';
import { type Entries, type FieldInput, sameEntry } from '../crf/entries.ts';
import { checkForm } from '../crf/form-checks.ts';
import { entriesOf, findRecord, type SlotKey } from '../crf/form-record.queries.ts';
import { syncEditCheckQueries } from '../crf/query.service.ts';
import { participantValues } from '../crf/record-values.ts';
import { breakSignatures } from '../crf/signature.service.ts';
import type { Tx } from '../db/connection.ts';
import type { DosingAdministrationTable } from '../db/schema-safety.ts';
import type { Caller } from '../kernel/caller.ts';
import { DomainError, validationFailed } from '../kernel/errors.ts';
import { findSlot } from '../participants/schedule.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { wallTimeOf } from '../safety/clocks.ts';

type AdministrationRow = Selectable<DosingAdministrationTable>;

/**
 * The eCRF form that records doses (the protocol's SDTM EX form). It is written only from the dose
 * records of the Dosing screen, so a dose is typed once: the form service refuses to save it directly.
 */
export const isDoseRecordForm = (form: Pick<ProtocolForm, 'sdtmDomain'>): boolean => form.sdtmDomain === 'EX';

export const doseRecordForm = (protocol: Protocol): ProtocolForm | undefined =>
  protocol.forms.find(isDoseRecordForm);

const two = (value: number) => String(value).padStart(2, '0');

/** Wall-clock text at the site (YYYY-MM-DDTHH:MM), how the eCRF keeps clinical times. */
export function siteLocalText(instant: Date, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone);
  return `${wall.year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}`;
}

/**
 * The form's answers from a dose record, by item id (items the form lacks are left out; items that do
 * not apply are blank, as the form's skip logic wants).
 */
export function exposureValues(
  row: AdministrationRow,
  thawedAt: Date | null,
  timeZone: string,
): Record<string, unknown> {
  const given = row.status !== 'not-given';
  // Times keep the style they were entered in: with an offset (written as UTC), or as site wall-clock
  // text. All three in one style, so the form's rules compare them as instants.
  const withOffset = /(Z|[+-]\d{2}:\d{2})$/.test(row.started_local ?? '');
  const local = (value: Date | string | null) => {
    if (!value) return null;
    const instant = new Date(value);
    return withOffset ? instant.toISOString().replace(/\.\d{3}Z$/, 'Z') : siteLocalText(instant, timeZone);
  };
  return {
    administered: given,
    reasonNotGiven: given ? null : row.not_given_reason,
    vialNumber: given ? row.vial_number : null,
    thawedAt: given ? local(thawedAt) : null,
    startedAt: given ? local(row.started_at) : null,
    endedAt: given ? local(row.ended_at) : null,
    volume: given ? row.volume_ml : null,
    device: given ? row.device : null,
    interrupted: given ? row.status === 'interrupted' : null,
    interruptionReason: row.status === 'interrupted' ? row.interruption_reason : null,
  };
}

/** Which dose-record field to name when the exposure form refuses an item. */
const requestField: Record<string, string> = {
  reasonNotGiven: 'notGivenReason',
  vialNumber: 'vialCode',
  thawedAt: 'vialCode',
  startedAt: 'startedAt',
  endedAt: 'endedAt',
  volume: 'volumeMl',
  device: 'device',
  interruptionReason: 'interruptionReason',
};

/**
 * Writes the dose visit's exposure form from a dose record, in the dose record's transaction: the
 * form's checks run (a hard check refuses the dose with the form's message; a soft one opens a data
 * query as an eCRF save does), each changed field is one audit event with the correction's reason, a
 * signature on the form breaks, and a locked form refuses the change.
 */
export async function syncExposureForm(
  trx: Tx,
  studyId: string,
  caller: Caller,
  change: {
    protocol: Protocol;
    versionNo: number;
    siteId: string;
    zone: string;
    row: AdministrationRow;
    reason?: string;
  },
): Promise<void> {
  const { protocol, row } = change;
  const form = doseRecordForm(protocol);
  if (!form || !findSlot(protocol, row.visit_id, form.id)) return;
  const slot: SlotKey = {
    participantId: row.participant_id,
    visitKey: row.visit_id,
    formId: form.id,
    instance: 1,
  };
  const existing = await findRecord(trx, studyId, slot, true);
  if (existing?.locked_at) {
    throw new DomainError(
      'locked',
      `The ${form.title.en} form of ${row.visit_id} is locked; a data manager can unlock it.`,
    );
  }
  const dispensing = row.dispensing_id
    ? await trx
        .selectFrom('dispensing')
        .select('thawed_at')
        .where('study_id', '=', studyId)
        .where('dispensing_id', '=', row.dispensing_id)
        .executeTakeFirst()
    : undefined;
  const thawedAt = dispensing ? new Date(dispensing.thawed_at) : null;
  const items = new Set(form.items.map((item) => item.id));
  const old = entriesOf(existing);
  const merged: Record<string, FieldInput> = { ...old };
  for (const [itemId, value] of Object.entries(exposureValues(row, thawedAt, change.zone))) {
    if (items.has(itemId)) merged[itemId] = { value: value ?? null };
  }
  const context = await participantValues(trx, studyId, row.participant_id, { preferVisits: [row.visit_id] });
  const check = checkForm(protocol, form, merged, context);
  if (check.hard.length > 0) {
    throw validationFailed(
      check.hard.map((problem) => ({
        field: requestField[problem.item] ?? problem.item,
        message: problem.message.en,
        messages: problem.message,
      })),
      `The dose cannot be recorded: the ${form.title.en} form refuses it; nothing was saved.`,
    );
  }
  // A blank that was never answered is no change (sameEntry treats absent and blank alike).
  const changed = Object.keys(merged).filter((itemId) => !sameEntry(old[itemId], merged[itemId]));
  if (existing && changed.length === 0) return;
  const entries: Entries = { ...old };
  for (const itemId of changed) {
    entries[itemId] = { value: merged[itemId]?.value ?? null, revision: (old[itemId]?.revision ?? 0) + 1 };
  }
  const now = new Date();
  const saved = existing
    ? await trx
        .updateTable('form_record')
        .set((eb) => ({ entries: JSON.stringify(entries), updated_at: now, version: eb('version', '+', 1) }))
        .where('study_id', '=', studyId)
        .where('record_id', '=', existing.record_id)
        .returningAll()
        .executeTakeFirstOrThrow()
    : await trx
        .insertInto('form_record')
        .values({
          study_id: studyId,
          record_id: randomUUID(),
          participant_id: row.participant_id,
          site_id: change.siteId,
          visit_id: row.visit_id,
          form_id: form.id,
          instance: 1,
          entries: JSON.stringify(entries),
          protocol_version: change.versionNo,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
  await recordParticipantAudit(
    trx,
    studyId,
    caller.actor,
    saved,
    changed.map((itemId) => ({
      action: existing && old[itemId] !== undefined ? 'crf.value.change' : 'crf.value.enter',
      entityType: 'form_record',
      entityId: saved.record_id,
      field: `${row.visit_id}:${form.id}[1].${itemId}`,
      oldValue: old[itemId] ?? null,
      newValue: entries[itemId] ?? null,
      reason:
        old[itemId] === undefined
          ? `from dose record ${row.administration_id}`
          : (change.reason ?? `from dose record ${row.administration_id}`),
    })),
  );
  if (existing?.signed_at) await breakSignatures(trx, studyId, caller, saved);
  await syncEditCheckQueries(trx, studyId, caller, saved, check.soft);
}
