import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { Schema } from '../db/schema.ts';
import { currentProtocol, type ProtocolVersion, protocolVersion } from '../study/protocol-store.ts';
import type { Protocol } from './schema.ts';
import { protocolUnion } from './version-union.ts';

// Which protocol version a site works under: the latest version approved there by its ethics committee,
// and never one older than the version current when the site joined the study (a site joins under the
// protocol in force; the migration that brought approvals recorded each existing site's version then).

/**
 * The version a site works under, as one SQL expression over `site` (joined under that name): the greater
 * of the latest version approved at the site and the latest version loaded by the time the site was added.
 */
export function siteVersionExpression(eb: ExpressionBuilder<Schema & { site: Schema['site'] }, 'site'>) {
  const approved = eb
    .selectFrom('protocol_site_approval as approval')
    .select((inner) => inner.fn.max('approval.version_no').as('version_no'))
    .whereRef('approval.study_id', '=', 'site.study_id')
    .whereRef('approval.site_id', '=', 'site.site_id');
  const joined = eb
    .selectFrom('protocol_version as loaded')
    .select((inner) => inner.fn.max('loaded.version_no').as('version_no'))
    .whereRef('loaded.study_id', '=', 'site.study_id')
    .whereRef('loaded.loaded_at', '<=', 'site.created_at');
  return sql<number | null>`greatest((${approved}), (${joined}))`;
}

/** The version each site of the study works under, by site id. */
export async function siteWorkingVersions(db: Db, studyId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('site')
    .innerJoin('study', 'study.study_id', 'site.study_id')
    .select((eb) => [
      'site.site_id',
      'study.current_protocol_version',
      siteVersionExpression(eb).as('working'),
    ])
    .where('site.study_id', '=', studyId)
    .execute();
  return new Map(rows.map((row) => [row.site_id, Number(row.working ?? row.current_protocol_version)]));
}

/** The version one site works under (the study's current version for a site not found). */
export async function siteWorkingVersion(db: Db, studyId: string, siteId: string): Promise<number> {
  const versions = await siteWorkingVersions(db, studyId);
  const version = versions.get(siteId);
  if (version !== undefined) return version;
  const study = await db
    .selectFrom('study')
    .select('current_protocol_version')
    .where('study_id', '=', studyId)
    .executeTakeFirstOrThrow();
  return study.current_protocol_version;
}

/** The protocols the study's sites work under, each version read once. */
export interface SiteProtocols {
  /** The study's latest version (for what belongs to no site). */
  current: ProtocolVersion;
  /** The version a site works under (the latest for a site not found). */
  forSite(siteId: string): ProtocolVersion;
  /** A version by number (a record's own); the latest when none is given. */
  byNumber(versionNo: number | null | undefined): ProtocolVersion;
  /** Every version loaded, oldest first. */
  all: ProtocolVersion[];
  /**
   * Every version's forms, items and visits in one protocol (`protocolUnion`): the metadata of reads
   * that put all participants' records into one set of definitions (exports, the report), so values
   * entered under a version whose item or form a later one removed are still read.
   */
  union(): Protocol;
}

// Versions never change once loaded: their union is kept by study and the versions it was made of.
const unions = new Map<string, Protocol>();

/**
 * Every site's working protocol at once, for the reads that go over many participants (worklists,
 * exports, the casebook grid): each participant's forms and visits are those of the version approved
 * at the participant's site, not the study's latest.
 */
export async function siteProtocols(db: Db, studyId: string): Promise<SiteProtocols> {
  const [working, current, numbers] = await Promise.all([
    siteWorkingVersions(db, studyId),
    currentProtocol(db, studyId),
    db.selectFrom('protocol_version').select('version_no').where('study_id', '=', studyId).execute(),
  ]);
  // Versions are few and cached once read (protocol-store.ts): all of them are at hand.
  const loaded = new Map<number, ProtocolVersion>();
  for (const versionNo of numbers.map((row) => row.version_no).sort((a, b) => a - b))
    loaded.set(versionNo, await protocolVersion(db, studyId, versionNo));
  const byNumber = (versionNo: number | null | undefined) =>
    (versionNo === null || versionNo === undefined ? undefined : loaded.get(versionNo)) ?? current;
  // The current version is the latest loaded; it closes the list whatever its number.
  const all = [...[...loaded.values()].filter((version) => version.versionNo !== current.versionNo), current];
  const union = () => {
    const key = `${studyId}/${all.map((version) => version.versionNo).join(',')}`;
    let merged = unions.get(key);
    if (!merged) {
      merged = protocolUnion(all.map((version) => version.protocol));
      unions.set(key, merged);
    }
    return merged;
  };
  return { current, forSite: (siteId) => byNumber(working.get(siteId)), byNumber, all, union };
}
