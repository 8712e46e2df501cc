import type { Actor } from '../audit/audit.schema.ts';
import type { Entries } from '../crf/entries.ts';
import type { Tx } from '../db/connection.ts';
import type { ProtocolForm } from '../protocol/schema.ts';
import { syncVerbatim } from './coding-sync.ts';

// Where verbatims to code are written: an adverse event's term (MedDRA) and, in any form, the item
// the protocol maps to SDTM CMTRT (a concomitant medication's name, WHODrug). Each writer calls
// these in its own transaction, so a saved verbatim and its coding commit together.

const textOf = (entries: Entries, itemId: string) => {
  const value = entries[itemId]?.value;
  return typeof value === 'string' ? value : null;
};

/** Codes (or queues) an adverse event's verbatim term after the event is saved. */
export function codeAdverseEventTerm(
  trx: Tx,
  studyId: string,
  actor: Actor,
  event: { ae_id: string; participant_id: string; site_id: string; entries: unknown },
  /** The item of the protocol's adverse-event form that holds the verbatim term (`safety.adverseEvents`). */
  termItem: string | undefined,
): Promise<void> {
  if (termItem === undefined) return Promise.resolve();
  return syncVerbatim(trx, studyId, actor, {
    dictionary: 'meddra',
    sourceType: 'adverse_event',
    sourceId: event.ae_id,
    itemId: termItem,
    participant: event,
    verbatim: textOf(event.entries as Entries, termItem),
  });
}

/** Codes (or queues) a form record's medication name, when its form has an item mapped to CMTRT. */
export async function codeFormVerbatims(
  trx: Tx,
  studyId: string,
  actor: Actor,
  form: ProtocolForm,
  record: { record_id: string; participant_id: string; site_id: string; entries: unknown },
): Promise<void> {
  const item = form.items.find((entry) => entry.sdtm?.variable === 'CMTRT');
  if (!item) return;
  await syncVerbatim(trx, studyId, actor, {
    dictionary: 'whodrug',
    sourceType: 'conmed',
    sourceId: record.record_id,
    itemId: item.id,
    participant: record,
    verbatim: textOf(record.entries as Entries, item.id),
  });
}
