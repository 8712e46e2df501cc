import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { type CommitStep, commitStep } from '../db/commit-steps.ts';
import type { Tx } from '../db/connection.ts';
import type { Schema } from '../db/schema.ts';
import { type Actor, type AuditInput, GENESIS_HASH, type HashedAuditEvent } from './audit.schema.ts';
import { auditEventHash } from './audit-hash.ts';

/** 17 columns a row: 1,000 rows stay far below PostgreSQL's 65,535 parameters per statement. */
const AUDIT_INSERT_CHUNK = 1_000;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** One event waiting for the transaction's audit write, with who did it. */
interface PendingEvent {
  actor: Actor;
  input: AuditInput;
}

const AUDIT_STEP = Symbol('audit');

/** The events a transaction has recorded, per study, written together just before it commits. */
class PendingAudit implements CommitStep {
  private readonly byStudy = new Map<string, PendingEvent[]>();

  constructor(private readonly trx: Tx) {}

  add(studyId: string, actor: Actor, inputs: AuditInput[]): void {
    let events = this.byStudy.get(studyId);
    if (!events) {
      events = [];
      this.byStudy.set(studyId, events);
    }
    for (const input of inputs) events.push({ actor, input });
  }

  async run(): Promise<void> {
    for (const [studyId, events] of this.byStudy) await appendToChain(this.trx, studyId, events);
    this.byStudy.clear();
  }
}

/**
 * Records events in the study's hash chain inside the caller's transaction, so the change and its
 * trail commit or roll back together. In a transaction opened by `Database.transaction` the events
 * are gathered and written once, just before the commit (one lock of the chain head, held only for
 * the end of the transaction, one insert); elsewhere they are written at once.
 */
export async function recordAudit(
  trx: Tx,
  studyId: string,
  actor: Actor,
  inputs: AuditInput | AuditInput[],
): Promise<void> {
  const events = Array.isArray(inputs) ? inputs : [inputs];
  if (events.length === 0) return;
  const pending = commitStep(trx, AUDIT_STEP, () => new PendingAudit(trx));
  if (pending) pending.add(studyId, actor, events);
  else
    await appendToChain(
      trx,
      studyId,
      events.map((input) => ({ actor, input })),
    );
}

/**
 * Appends events to the study's hash chain. Locking the chain head row serialises writers of one
 * study: sequence numbers stay gapless and every event links to the one before it, across servers.
 */
async function appendToChain(trx: Tx, studyId: string, events: readonly PendingEvent[]): Promise<void> {
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
  for (const { actor, input } of events) {
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
