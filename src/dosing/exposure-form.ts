import type { Selectable } from 'kysely';
import type { FieldInput } from '../crf/entries.ts';
import { findRecord, type SlotKey } from '../crf/form-record.queries.ts';
import { writeFormRecord } from '../crf/form-write.ts';
import type { Tx } from '../db/connection.ts';
import type { DosingAdministrationTable } from '../db/schema-safety.ts';
import type { Caller } from '../kernel/caller.ts';
import { validationFailed } from '../kernel/errors.ts';
import { findSlot } from '../participants/schedule.ts';
import { doseRecordForm } from '../protocol/dose-record-form.ts';
import type { Protocol } from '../protocol/schema.ts';
import type { DoseRecordItemRole } from '../protocol/schema-dosing.ts';
import { wallTimeOf } from '../safety/clocks.ts';
import type { RecordAdministrationRequest } from './dosing.schema.ts';

type AdministrationRow = Selectable<DosingAdministrationTable>;

const two = (value: number) => String(value).padStart(2, '0');

/** Wall-clock text at the site (YYYY-MM-DDTHH:MM), how the eCRF keeps clinical times. */
export function siteLocalText(instant: Date, timeZone: string): string {
  const wall = wallTimeOf(instant, timeZone);
  return `${wall.year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}`;
}

/**
 * The form's answers from a dose record, by meaning (the protocol's `doseRecord.items` say which item
 * carries each; items that do not apply are blank, as the form's skip logic wants).
 */
export function exposureValues(
  row: AdministrationRow,
  thawedAt: Date | null,
  timeZone: string,
): Record<DoseRecordItemRole, unknown> {
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

/** Which field of the dose record request to name when the exposure form refuses the item of a meaning. */
const requestField: Partial<Record<DoseRecordItemRole, keyof RecordAdministrationRequest>> = {
  reasonNotGiven: 'notGivenReason',
  vialNumber: 'vialCode',
  thawedAt: 'vialCode',
  startedAt: 'startedAt',
  endedAt: 'endedAt',
  volume: 'volumeMl',
  device: 'device',
  interruptionReason: 'interruptionReason',
};

const fieldOf = (role: DoseRecordItemRole | undefined): string | undefined =>
  role === undefined ? undefined : requestField[role];

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
  const itemsByRole = protocol.doseRecord?.items;
  if (!form || !itemsByRole || !findSlot(protocol, row.visit_id, form.id)) return;
  const slot: SlotKey = {
    participantId: row.participant_id,
    visitKey: row.visit_id,
    formId: form.id,
    instance: 1,
  };
  const existing = await findRecord(trx, studyId, slot, true);
  // A locked form refuses the change in writeFormRecord, before any value is checked.
  const dispensing = row.dispensing_id
    ? await trx
        .selectFrom('dispensing')
        .select('thawed_at')
        .where('study_id', '=', studyId)
        .where('dispensing_id', '=', row.dispensing_id)
        .executeTakeFirst()
    : undefined;
  const thawedAt = dispensing ? new Date(dispensing.thawed_at) : null;
  const incoming: Record<string, FieldInput> = {};
  const roleOfItem = new Map<string, DoseRecordItemRole>();
  const values = exposureValues(row, thawedAt, change.zone);
  for (const role of Object.keys(values) as DoseRecordItemRole[]) {
    const itemId = itemsByRole[role];
    if (itemId === undefined) continue;
    incoming[itemId] = { value: values[role] ?? null };
    roleOfItem.set(itemId, role);
  }
  await writeFormRecord(trx, studyId, caller, {
    participant: { participant_id: row.participant_id, site_id: change.siteId },
    slot,
    protocol,
    versionNo: change.versionNo,
    form,
    existing,
    incoming,
    reason: change.reason,
    source: `dose record ${row.administration_id}`,
    refuse: (hard) =>
      validationFailed(
        hard.map((problem) => ({
          field: fieldOf(roleOfItem.get(problem.item)) ?? problem.item,
          message: problem.message.en,
          messages: problem.message,
        })),
        `The dose cannot be recorded: the ${form.title.en} form refuses it; nothing was saved.`,
      ),
  });
}
