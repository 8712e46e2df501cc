import { GENESIS_HASH, type HashedAuditEvent } from './audit.schema.ts';
import { auditEventHash } from './audit-hash.ts';

/** An `audit_event` row as the database returns it. */
export interface StoredAuditEvent {
  study_id: string;
  seq: number;
  event_id: string;
  occurred_at: Date | string;
  actor_type: HashedAuditEvent['actorType'];
  actor_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string;
  field: string | null;
  old_value: unknown;
  new_value: unknown;
  reason: string | null;
  context: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

export type ChainProblem =
  | 'gap' // a sequence number is missing (a row was deleted) or out of place
  | 'broken_link' // prev_hash is not the hash of the event before (a row was replaced or inserted)
  | 'hash_mismatch' // the stored hash is not the hash of the row's content (a row was edited)
  | 'head_mismatch'; // the chain head does not match the last event (rows removed from or added to the end)

export interface ChainBreak {
  seq: number;
  problem: ChainProblem;
  message: string;
}

export interface VerifyResult {
  intact: boolean;
  events: number;
  lastSeq: number;
  lastHash: string;
  /** The first break, in sequence order; later breaks usually follow from it. */
  firstBreak: ChainBreak | null;
}

/** The hashed form of a stored row: exactly what `recordAudit` hashed when it wrote the row. */
export function hashedForm(row: StoredAuditEvent): HashedAuditEvent {
  return {
    studyId: row.study_id,
    seq: Number(row.seq),
    eventId: row.event_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    field: row.field,
    oldValue: row.old_value ?? null,
    newValue: row.new_value ?? null,
    reason: row.reason,
    context: row.context ?? null,
  };
}

/**
 * Incremental verifier of one study's chain, fed rows in `seq` order (so a long trail streams
 * through in pages): seq must run 1, 2, 3… without gaps, each prev_hash must be the hash before it
 * (genesis for the first), and each hash must equal sha256(prev_hash ‖ canonical JSON of the row).
 * `finish` compares the end of the chain with the `audit_chain_head` row.
 */
export class AuditChainVerifier {
  private expectedSeq = 1;
  private previousHash = GENESIS_HASH;
  private count = 0;
  private firstBreak: ChainBreak | null = null;

  /** Feeds the next row; returns false once a break has been found (further rows need not be read). */
  add(row: StoredAuditEvent): boolean {
    if (this.firstBreak) return false;
    const seq = Number(row.seq);
    if (seq !== this.expectedSeq) {
      return this.fail(
        Math.min(seq, this.expectedSeq),
        'gap',
        seq > this.expectedSeq
          ? `event ${this.expectedSeq} is missing (the next stored event is ${seq})`
          : `event ${seq} appears out of order after ${this.expectedSeq - 1}`,
      );
    }
    if (row.prev_hash !== this.previousHash) {
      return this.fail(seq, 'broken_link', `event ${seq} does not link to the hash of event ${seq - 1}`);
    }
    const recomputed = auditEventHash(row.prev_hash, hashedForm(row));
    if (recomputed !== row.hash) {
      return this.fail(
        seq,
        'hash_mismatch',
        `event ${seq} was changed after it was written (its hash does not match its content)`,
      );
    }
    this.previousHash = row.hash;
    this.expectedSeq = seq + 1;
    this.count += 1;
    return true;
  }

  finish(head: { seq: number; hash: string } | null): VerifyResult {
    const lastSeq = this.expectedSeq - 1;
    if (!this.firstBreak) {
      const headSeq = head ? Number(head.seq) : 0;
      const headHash = head?.hash ?? GENESIS_HASH;
      if (headSeq > lastSeq) {
        this.fail(
          lastSeq + 1,
          'gap',
          `events ${lastSeq + 1} to ${headSeq} are missing (the chain head is at ${headSeq})`,
        );
      } else if (headSeq < lastSeq) {
        this.fail(
          headSeq + 1,
          'head_mismatch',
          `event ${headSeq + 1} lies beyond the chain head (${headSeq}): it was inserted`,
        );
      } else if (headHash !== this.previousHash) {
        this.fail(lastSeq, 'head_mismatch', `the chain head's hash does not match event ${lastSeq}`);
      }
    }
    return {
      intact: this.firstBreak === null,
      events: this.count,
      lastSeq,
      lastHash: this.previousHash,
      firstBreak: this.firstBreak,
    };
  }

  private fail(seq: number, problem: ChainProblem, message: string): false {
    this.firstBreak = { seq, problem, message };
    return false;
  }
}

/** Verifies a whole chain held in memory (rows in any order). */
export function verifyAuditChain(
  rows: readonly StoredAuditEvent[],
  head: { seq: number; hash: string } | null,
): VerifyResult {
  const verifier = new AuditChainVerifier();
  for (const row of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    if (!verifier.add(row)) break;
  }
  return verifier.finish(head);
}
