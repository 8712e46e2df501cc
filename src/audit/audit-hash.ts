import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { HashedAuditEvent } from './audit.schema.ts';

/**
 * hash = sha256(prev_hash ‖ canonical JSON of the event), hex. Canonical JSON is RFC 8785 (JCS), so
 * the same event hashes the same whatever the key order or the database's jsonb normalisation.
 */
export function auditEventHash(prevHash: string, event: HashedAuditEvent): string {
  const canonical = canonicalize(event);
  if (canonical === undefined) throw new Error('audit event cannot be canonicalised');
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}
