import { recordAudit } from '../audit/audit.service.ts';
import type { AuditAction } from '../audit/audit-actions.ts';
import type { Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict } from '../kernel/errors.ts';

// The life of a sealed list, shared by the randomisation list and the kit list: generated from a
// recorded seed (again, until sealed), then sealed by the hash the statistician checked, after which
// it never changes. The audit events carry hashes and sizes, never the seed, which would let anyone
// who reads the trail rebuild the list.

/** What both lists' rows hold. */
export interface SealableRow {
  seed: number;
  design: unknown;
  list_hash: string;
  status: 'generated' | 'sealed';
  version: number;
  generated_at: Date | string;
  sealed_at: Date | string | null;
  sealed_by_name: string | null;
}

/** One list's storage: its row, its entries and its hash, as each list keeps them. */
export interface SealableList<Row extends SealableRow, Entry> {
  /** How messages name the list: "list", "kit list". */
  noun: string;
  entityType: 'randomisation_list' | 'kit_list';
  actions: { generate: AuditAction; seal: AuditAction };
  /** The row locked for this transaction: generation, sealing and what takes from the list take turns on it. */
  lock(trx: Tx): Promise<Row | undefined>;
  entries(trx: Tx): Promise<Entry[]>;
  hash(seed: number, design: unknown, entries: readonly Entry[]): string;
  /** Writes the generated row's columns: inserted (version 1), or over the unsealed one (its next version). */
  saveRow(trx: Tx, columns: GeneratedColumns, existing: Row | undefined): Promise<void>;
  /** Marks the row sealed. */
  sealRow(trx: Tx, columns: SealedColumns): Promise<void>;
  deleteEntries(trx: Tx): Promise<void>;
  insertEntries(trx: Tx, entries: readonly Entry[]): Promise<void>;
  /** The list's size, as its audit events count it. */
  size(row: Row): Record<string, number>;
}

export interface GeneratedColumns {
  seed: number;
  design: string;
  protocol_version: number;
  list_hash: string;
  status: 'generated';
  generated_by: string;
  generated_by_name: string;
  generated_at: Date;
  version: number;
}

export interface SealedColumns {
  status: 'sealed';
  sealed_by: string;
  sealed_by_name: string;
  sealed_at: Date;
  version: number;
}

export const personId = (caller: Caller) =>
  caller.actor.type === 'user' ? caller.actor.userId : caller.actor.label;
export const iso = (value: Date | string) => new Date(value).toISOString();

/**
 * Replaces an unsealed list (or writes the first) with `entries` generated from `seed`; refuses once
 * sealed. `describe` adds the list's own columns and audit values.
 */
export async function storeGeneratedList<Row extends SealableRow, Entry>(
  trx: Tx,
  studyId: string,
  caller: Caller,
  list: SealableList<Row, Entry>,
  generated: {
    seed: number;
    design: unknown;
    entries: Entry[];
    protocolVersion: number;
    /** The audit event's values beyond the hash, the size and the protocol version. */
    audited: Record<string, unknown>;
  },
  clock: Date,
): Promise<void> {
  const existing = await list.lock(trx);
  if (existing?.status === 'sealed') {
    throw conflict(
      `The ${list.noun} was sealed on ${iso(existing.sealed_at ?? existing.generated_at)} by ${existing.sealed_by_name}; a sealed list cannot be regenerated.`,
    );
  }
  const hash = list.hash(generated.seed, generated.design, generated.entries);
  if (existing) await list.deleteEntries(trx);
  await list.insertEntries(trx, generated.entries);
  await list.saveRow(
    trx,
    {
      seed: generated.seed,
      design: JSON.stringify(generated.design),
      protocol_version: generated.protocolVersion,
      list_hash: hash,
      status: 'generated',
      generated_by: personId(caller),
      generated_by_name: caller.user.name,
      generated_at: clock,
      version: existing ? existing.version + 1 : 1,
    },
    existing,
  );
  await recordAudit(trx, studyId, caller.actor, {
    action: list.actions.generate,
    entityType: list.entityType,
    entityId: studyId,
    oldValue: existing ? { listHash: existing.list_hash, ...list.size(existing) } : undefined,
    newValue: { listHash: hash, ...generated.audited, protocolVersion: generated.protocolVersion },
  });
}

/** Seals the list the statistician checked (named by its hash), after checking the stored entries still match it. */
export async function sealStoredList<Row extends SealableRow, Entry>(
  trx: Tx,
  studyId: string,
  caller: Caller,
  list: SealableList<Row, Entry>,
  listHash: string,
  clock: Date,
): Promise<void> {
  const row = await list.lock(trx);
  if (!row) throw conflict(`There is no ${list.entityType.replace('_', ' ')} to seal: generate one first.`);
  if (row.status === 'sealed') throw conflict(`The ${list.entityType.replace('_', ' ')} is already sealed.`);
  if (row.list_hash !== listHash) {
    throw conflict(
      `The ${list.noun} changed since you checked it: its hash is now ${row.list_hash}. Review it again before sealing.`,
    );
  }
  if (list.hash(row.seed, row.design, await list.entries(trx)) !== row.list_hash) {
    throw conflict(
      `The stored ${list.noun} no longer matches its hash: it was changed outside exotrial. Do not seal it.`,
    );
  }
  await list.sealRow(trx, {
    status: 'sealed',
    sealed_by: personId(caller),
    sealed_by_name: caller.user.name,
    sealed_at: clock,
    version: row.version + 1,
  });
  await recordAudit(trx, studyId, caller.actor, {
    action: list.actions.seal,
    entityType: list.entityType,
    entityId: studyId,
    oldValue: { status: 'generated' },
    newValue: { status: 'sealed', listHash: row.list_hash, ...list.size(row) },
  });
}
