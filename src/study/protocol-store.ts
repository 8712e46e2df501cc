import type { Db } from '../db/connection.ts';
import { notFound } from '../kernel/errors.ts';
import { withFormat1Defaults } from '../protocol/format-1.ts';
import type { Protocol } from '../protocol/schema.ts';

export interface ProtocolVersion {
  studyId: string;
  versionNo: number;
  label: string;
  protocol: Protocol;
}

// Protocol versions never change once loaded (an amendment is a new version), so caching them by
// (study, version) is safe across requests and servers.
const cache = new Map<string, ProtocolVersion>();

export async function protocolVersion(db: Db, studyId: string, versionNo: number): Promise<ProtocolVersion> {
  const key = `${studyId}/${versionNo}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const row = await db
    .selectFrom('protocol_version')
    .select(['label', 'content'])
    .where('study_id', '=', studyId)
    .where('version_no', '=', versionNo)
    .executeTakeFirst();
  if (!row) throw notFound(`Protocol version ${versionNo}`);
  const version = {
    studyId,
    versionNo,
    label: row.label,
    protocol: withFormat1Defaults(row.content) as Protocol,
  };
  cache.set(key, version);
  return version;
}

/** The protocol version new data is entered under. */
export async function currentProtocol(db: Db, studyId: string): Promise<ProtocolVersion> {
  const study = await db
    .selectFrom('study')
    .select('current_protocol_version')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (!study) throw notFound(`Study ${studyId}`);
  return protocolVersion(db, studyId, study.current_protocol_version);
}
