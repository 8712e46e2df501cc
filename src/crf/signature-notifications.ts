import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { notify } from '../notifications/notify.ts';
import type { Protocol } from '../protocol/schema.ts';
import { entriesOf, type FormRecordRow, verifiedItems } from './form-record.queries.ts';

/**
 * The SDV step after which every saved field of a form is verified at its current revision: the form
 * is ready for the investigator's e-signature, and the site's investigators hear of it in the same
 * transaction. Once per record and revision (the key carries the record's version), so verifying the
 * same form again does not tell them twice; a signed or locked form waits for nothing.
 */
export async function notifyFormAwaitingSignature(
  trx: Tx,
  studyId: string,
  caller: Caller,
  change: { record: FormRecordRow; protocol: Protocol },
): Promise<void> {
  const { record, protocol } = change;
  if (record.signed_at !== null || record.locked_at !== null) return;
  const entries = entriesOf(record);
  const saved = Object.keys(entries);
  if (saved.length === 0) return;
  const verified = await verifiedItems(trx, studyId, record);
  if (!saved.every((itemId) => verified.has(itemId))) return;
  const participant = await trx
    .selectFrom('participant')
    .select(['screening_number', 'study_number', 'locked_at'])
    .where('study_id', '=', studyId)
    .where('participant_id', '=', record.participant_id)
    .executeTakeFirstOrThrow();
  if (participant.locked_at !== null) return;
  const form = protocol.forms.find((entry) => entry.id === record.form_id);
  const title = form?.title ?? { en: record.form_id, zh: record.form_id };
  await notify(trx, studyId, {
    kind: 'form.awaiting-signature',
    siteId: record.site_id,
    params: {
      participant: participant.study_number ?? participant.screening_number,
      form: title,
      visit: record.visit_id,
    },
    link: `/participants/${record.participant_id}`,
    eventKey: `form-signature:${record.record_id}:${record.version}`,
    exceptUserId: caller.user.userId,
  });
}
