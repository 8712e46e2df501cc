import type { FormRecordRow } from '../crf/form-record.queries.ts';
import { participantValues } from '../crf/record-values.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import type { Protocol } from '../protocol/schema.ts';
import { flagLabValues, type LabFlagRow } from './lab-flag.service.ts';
import { proposeLabAdverseEvents } from './lab-grading.ts';
import { labItems } from './lab-items.ts';
import { keyOfVariable } from './subject.ts';

/**
 * Flags a set of laboratory records again after what chooses their range changed (the site's ranges
 * were imported, the participant's sex or date of birth was corrected): a value without a range until
 * now gets its flag, a flag that changes is replaced (its judgement cleared, a laboratory adverse event
 * proposed as on entry), and a flag that comes out the same stands with its judgement.
 */
async function reflagRecords(
  trx: Tx,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
  records: FormRecordRow[],
): Promise<number> {
  const items = labItems(protocol);
  const values = new Map<string, Awaited<ReturnType<typeof participantValues>>>();
  const changed: LabFlagRow[] = [];
  for (const record of records) {
    const form = protocol.forms.find((entry) => entry.id === record.form_id);
    if (!form) continue;
    let participant = values.get(record.participant_id);
    if (!participant) {
      participant = await participantValues(trx, studyId, record.participant_id);
      values.set(record.participant_id, participant);
    }
    const flags = await flagLabValues(trx, studyId, {
      protocol,
      form,
      record,
      changed: items.filter((lab) => lab.formId === form.id).map((lab) => lab.item.id),
      values: participant,
      keepUnchanged: true,
    });
    changed.push(...flags);
  }
  await proposeLabAdverseEvents(trx, studyId, caller, protocol, changed);
  return changed.length;
}

/** The laboratory records of a site or of one participant, flagged again; the number of flags that changed. */
async function reflagWhere(
  trx: Tx,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
  scope: { column: 'site_id' | 'participant_id'; value: string },
): Promise<number> {
  const formIds = [...new Set(labItems(protocol).map((lab) => lab.formId))];
  if (formIds.length === 0) return 0;
  const records = await trx
    .selectFrom('form_record')
    .selectAll()
    .where('study_id', '=', studyId)
    .where(scope.column, '=', scope.value)
    .where('form_id', 'in', formIds)
    .execute();
  return reflagRecords(trx, studyId, caller, protocol, records);
}

/** After a site's ranges were imported: every laboratory value of the site's participants; the flags that changed. */
export const reflagSite = (trx: Tx, studyId: string, caller: Caller, protocol: Protocol, siteId: string) =>
  reflagWhere(trx, studyId, caller, protocol, { column: 'site_id', value: siteId });

/** The `form.item` keys whose value chooses a laboratory range: the participant's sex, date of birth and age. */
export function rangeChoosingKeys(protocol: Protocol): string[] {
  return ['SEX', 'BRTHDTC', 'AGE'].flatMap((variable) => keyOfVariable(protocol, 'DM', variable) ?? []);
}

/** After the participant's sex, date of birth or age changed: their laboratory values; the flags that changed. */
export const reflagParticipant = (
  trx: Tx,
  studyId: string,
  caller: Caller,
  protocol: Protocol,
  participantId: string,
) => reflagWhere(trx, studyId, caller, protocol, { column: 'participant_id', value: participantId });
