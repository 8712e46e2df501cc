import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Tx } from '../db/connection.ts';
import type { Schema } from '../db/schema.ts';
import { type Actor, type AuditInput, GENESIS_HASH, type HashedAuditEvent } from './audit.schema.ts';
import { auditEventHash } from './audit-hash.ts';

/** 17 columns a row: 1,000 rows stay far below PostgreSQL's 65,535 parameters per statement. */
const AUDIT_INSERT_CHUNK = 1_000;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/**
 * Appends events to the study's hash chain inside the caller's transaction, so the change and its
 * trail commit or roll back together. Locking the chain head row serialises writers of one study:
 * sequence numbers stay gapless and every event links to the one before it, across servers.
 */
export async function recordAudit(
  trx: Tx,
  studyId: string,
  actor: Actor,
  inputs: AuditInput | AuditInput[],
): Promise<void> {
  const events = Array.isArray(inputs) ? inputs : [inputs];
  if (events.length === 0) return;
  let head = await trx
    .selectFrom('audit_chain_head')
    .select(['seq', 'hash'])
    .where('study_id', '=', studyId)
    .forUpdate()
    .executeTakeFirst();
  if (!head) {
    await trx
      .insertInto('audit_chain_head')
      .values({ study_id: studyId, seq: 0, hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('study_id').doNothing())
      .execute();
    head = await trx
      .selectFrom('audit_chain_head')
      .select(['seq', 'hash'])
      .where('study_id', '=', studyId)
      .forUpdate()
      .executeTakeFirstOrThrow();
  }
  let { seq, hash } = head;
  const occurredAt = new Date();
  const rows: Insertable<Schema['audit_event']>[] = [];
  for (const input of events) {
    seq += 1;
    const event: HashedAuditEvent = {
      studyId,
      seq,
      eventId: randomUUID(),
      occurredAt: occurredAt.toISOString(),
      actorType: actor.type,
      actorId: actor.type === 'user' ? actor.userId : null,
      actorLabel: actor.label,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      field: input.field ?? null,
      oldValue: input.oldValue ?? null,
      newValue: input.newValue ?? null,
      reason: input.reason ?? null,
      context: input.context ?? null,
    };
    const prevHash = hash;
    hash = auditEventHash(prevHash, event);
    rows.push({
      study_id: studyId,
      seq,
      event_id: event.eventId,
      occurred_at: occurredAt,
      actor_type: event.actorType,
      actor_id: event.actorId,
      actor_label: event.actorLabel,
      action: event.action,
      entity_type: event.entityType,
      entity_id: event.entityId,
      field: event.field,
      old_value: json(event.oldValue),
      new_value: json(event.newValue),
      reason: event.reason,
      context: json(event.context),
      prev_hash: prevHash,
      hash,
    });
  }
  // One statement per chunk instead of one per event: a form save writes one event per changed field.
  for (let start = 0; start < rows.length; start += AUDIT_INSERT_CHUNK) {
    await trx
      .insertInto('audit_event')
      .values(rows.slice(start, start + AUDIT_INSERT_CHUNK))
      .execute();
  }
  await trx.updateTable('audit_chain_head').set({ seq, hash }).where('study_id', '=', studyId).execute();
}

/** The participant an event is about, as its row names it (every writer of a participant's data holds it). */
export interface AuditSubject {
  participant_id: string;
  site_id: string;
}

/**
 * `recordAudit` for events about a participant's data: each event's context carries
 * `{ participantId, siteId }`, so the participant's trail and a site's trail are one indexed
 * filter (and a site-bound reader sees its sites' events and no others'). A null subject (the whole
 * study, e.g. a study lock) records the events as they are.
 */
export function recordParticipantAudit(
  trx: Tx,
  studyId: string,
  actor: Actor,
  subject: AuditSubject | null,
  inputs: AuditInput | AuditInput[],
): Promise<void> {
  if (!subject) return recordAudit(trx, studyId, actor, inputs);
  const about = { participantId: subject.participant_id, siteId: subject.site_id };
  const events = (Array.isArray(inputs) ? inputs : [inputs]).map((input) => ({
    ...input,
    context: { ...input.context, ...about },
  }));
  return recordAudit(trx, studyId, actor, events);
}
