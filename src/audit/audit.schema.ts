import type { AuditAction } from './audit-actions.ts';

export type Actor =
  | { type: 'user'; userId: string; label: string }
  | { type: 'system'; label: string }
  | { type: 'anonymous'; label: string };

export const systemActor = (label = 'exotrial'): Actor => ({ type: 'system', label });

/** One change, as a service describes it; the writer adds who-when-sequence-hash. */
export interface AuditInput {
  action: AuditAction;
  entityType: string;
  entityId: string;
  field?: string;
  oldValue?: unknown;
  newValue?: unknown;
  reason?: string;
  context?: Record<string, unknown>;
}

/** The fields covered by an event's hash, in the form the canonical JSON is computed from. */
export interface HashedAuditEvent {
  studyId: string;
  seq: number;
  eventId: string;
  occurredAt: string;
  actorType: Actor['type'];
  actorId: string | null;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string;
  field: string | null;
  oldValue: unknown;
  newValue: unknown;
  reason: string | null;
  context: Record<string, unknown> | null;
}

/** The hash that precedes the first event of every study's chain. */
export const GENESIS_HASH = '0'.repeat(64);
