import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './audit.schema.ts';
import { auditEventHash } from './audit-hash.ts';
import { hashedForm, type StoredAuditEvent, verifyAuditChain } from './verify.ts';

/** A chain of n events written the way recordAudit writes them. */
function chain(n: number): { rows: StoredAuditEvent[]; head: { seq: number; hash: string } } {
  const rows: StoredAuditEvent[] = [];
  let previous = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const row: StoredAuditEvent = {
      study_id: 'study',
      seq,
      event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      occurred_at: new Date(Date.UTC(2026, 10, 25, 8, 0, seq)),
      actor_type: 'user',
      actor_id: 'u1',
      actor_label: 'ada@example.org',
      action: 'item.update',
      entity_type: 'item',
      entity_id: `item-${seq}`,
      field: 'value',
      old_value: { b: 1, a: [1, 2] },
      new_value: seq,
      reason: seq > 1 ? 'transcription error' : null,
      context: { siteId: 'ruijin' },
      prev_hash: previous,
      hash: '',
    };
    row.hash = auditEventHash(previous, hashedForm(row));
    previous = row.hash;
    rows.push(row);
  }
  return { rows, head: { seq: n, hash: previous } };
}

const rehash = (row: StoredAuditEvent) => ({ ...row, hash: auditEventHash(row.prev_hash, hashedForm(row)) });

describe('audit chain verifier', () => {
  it('accepts an intact chain, in any row order, and an empty one', () => {
    const { rows, head } = chain(6);
    expect(verifyAuditChain(rows, head)).toMatchObject({
      intact: true,
      events: 6,
      lastSeq: 6,
      firstBreak: null,
    });
    expect(verifyAuditChain([...rows].reverse(), head).intact).toBe(true);
    expect(verifyAuditChain([], null)).toMatchObject({ intact: true, events: 0, lastHash: GENESIS_HASH });
  });

  it('names an edited row (hash mismatch)', () => {
    const { rows, head } = chain(6);
    rows[2] = { ...(rows[2] as StoredAuditEvent), new_value: 999 };
    expect(verifyAuditChain(rows, head).firstBreak).toMatchObject({ seq: 3, problem: 'hash_mismatch' });
  });

  it('names the row after an edited row whose hash was recomputed (broken link)', () => {
    const { rows, head } = chain(6);
    rows[2] = rehash({ ...(rows[2] as StoredAuditEvent), reason: 'forged' });
    expect(verifyAuditChain(rows, head).firstBreak).toMatchObject({ seq: 4, problem: 'broken_link' });
  });

  it('names a deleted row (gap), also the last ones (head)', () => {
    const { rows, head } = chain(6);
    expect(
      verifyAuditChain(
        rows.filter((row) => row.seq !== 4),
        head,
      ).firstBreak,
    ).toMatchObject({
      seq: 4,
      problem: 'gap',
    });
    expect(verifyAuditChain(rows.slice(0, 4), head).firstBreak).toMatchObject({ seq: 5, problem: 'gap' });
  });

  it('names an inserted row, even one with a correctly computed hash', () => {
    const { rows, head } = chain(6);
    const last = rows[5] as StoredAuditEvent;
    const forged = rehash({ ...last, seq: 7, event_id: 'forged', prev_hash: last.hash });
    expect(verifyAuditChain([...rows, forged], head).firstBreak).toMatchObject({
      seq: 7,
      problem: 'head_mismatch',
    });
    const sloppy = { ...forged, hash: 'f'.repeat(64) };
    expect(verifyAuditChain([...rows, sloppy], head).firstBreak).toMatchObject({
      seq: 7,
      problem: 'hash_mismatch',
    });
  });

  it('names a changed timestamp, actor or reason', () => {
    for (const change of [
      { occurred_at: new Date(Date.UTC(2020, 0, 1)) },
      { actor_label: 'mallory@example.org' },
      { reason: null },
      { context: { siteId: 'other' } },
    ]) {
      const { rows, head } = chain(3);
      rows[1] = { ...(rows[1] as StoredAuditEvent), ...change };
      expect(verifyAuditChain(rows, head).firstBreak?.seq).toBe(2);
    }
  });
});
