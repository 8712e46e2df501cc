import { namesByLabel } from '../auth/user-names.ts';
import type { Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { authorize } from '../kernel/permissions.ts';
import { findAdverseEvent } from './adverse-event.service.ts';
import type { AeHistoryEntry } from './safety.schema.ts';

/**
 * The history of one adverse event from the audit trail: its creation, every value entered or changed
 * (old value, new value, reason, who, when), the reports recorded as sent, and its data queries.
 * Whoever may read the event may read its history (the study-wide audit trail needs audit.read).
 */
export async function adverseEventHistory(
  db: Db,
  studyId: string,
  caller: Caller,
  aeId: string,
): Promise<AeHistoryEntry[]> {
  const row = await findAdverseEvent(db, studyId, aeId);
  authorize(caller.user, 'safety.read', { siteId: row.site_id });
  const [submissions, queries] = await Promise.all([
    db
      .selectFrom('safety_submission')
      .select('submission_id')
      .where('study_id', '=', studyId)
      .where('ae_id', '=', aeId)
      .execute(),
    db
      .selectFrom('data_query')
      .select('query_id')
      .where('study_id', '=', studyId)
      // An adverse event's id is its own (a UUID no form record shares), whatever its form is named.
      .where('record_id', '=', aeId)
      .execute(),
  ]);
  const entityIds = [
    aeId,
    ...submissions.map((entry) => entry.submission_id),
    ...queries.map((entry) => entry.query_id),
  ];
  const events = await db
    .selectFrom('audit_event')
    .select(['seq', 'occurred_at', 'actor_label', 'action', 'field', 'old_value', 'new_value', 'reason'])
    .where('study_id', '=', studyId)
    .where('entity_id', 'in', entityIds)
    .orderBy('seq')
    .execute();
  const prefix = `AE${row.ae_number}.`;
  const names = await namesByLabel(
    db,
    studyId,
    events.map((event) => event.actor_label),
  );
  return events.map((event) => ({
    seq: Number(event.seq),
    at: new Date(event.occurred_at).toISOString(),
    by: event.actor_label,
    byName: names.get(event.actor_label) ?? event.actor_label,
    action: event.action,
    item: event.field?.startsWith(prefix) ? event.field.slice(prefix.length) : event.field,
    oldValue: event.old_value ?? null,
    newValue: event.new_value ?? null,
    reason: event.reason,
  }));
}
