import canonicalize from 'canonicalize';
import type { AuditInput } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { namesByLabel } from '../auth/user-names.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, forbidden, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize, can } from '../kernel/permissions.ts';
import { reviewResupply } from '../product/resupply-notifications.ts';
import { studyIdentity } from '../study/protocol-source.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import type { AmendmentRequest, ProtocolVersionSummary } from './protocol-version.schema.ts';
import { parseProtocolOnServer } from './unit-checks.ts';

export type { ProtocolVersionSummary } from './protocol-version.schema.ts';

export async function listProtocolVersions(
  db: Db,
  studyId: string,
  caller: Caller,
): Promise<ProtocolVersionSummary[]> {
  authorize(caller.user, 'protocol.read');
  const { versionNo } = await currentProtocol(db, studyId);
  const rows = await db
    .selectFrom('protocol_version')
    .select(['version_no', 'label', 'loaded_at', 'loaded_by'])
    .where('study_id', '=', studyId)
    .orderBy('version_no')
    .execute();
  const names = await namesByLabel(
    db,
    studyId,
    rows.flatMap((row) => (row.loaded_by ? [row.loaded_by] : [])),
  );
  return rows.map((row) => ({
    versionNo: row.version_no,
    label: row.label,
    loadedAt: new Date(row.loaded_at).toISOString(),
    loadedBy: row.loaded_by,
    loadedByName: row.loaded_by ? (names.get(row.loaded_by) ?? row.loaded_by) : null,
    current: row.version_no === versionNo,
  }));
}

/** The YAML a version was loaded from: the protocol's source of truth, for download. */
export async function protocolSource(
  db: Db,
  studyId: string,
  caller: Caller,
  versionNo?: number,
): Promise<{ versionNo: number; source: string }> {
  authorize(caller.user, 'protocol.read');
  const number = versionNo ?? (await currentProtocol(db, studyId)).versionNo;
  const row = await db
    .selectFrom('protocol_version')
    .select('source')
    .where('study_id', '=', studyId)
    .where('version_no', '=', number)
    .executeTakeFirst();
  if (!row) throw notFound(`Protocol version ${number}`);
  return { versionNo: number, source: row.source };
}

/**
 * An amendment: a validated protocol file becomes the next version; each site enters new data under it
 * once its ethics approval there is recorded (site-approval.service.ts), and a site added by the file
 * works under it from the start. Data already entered keeps the version it was entered under. The study must stay the same study.
 * Sites new in the file are added, only if the author may manage sites (403 otherwise); sites missing
 * from it stay (they may have been added in Admin).
 * Audited with the reason.
 */
export async function amendProtocol(
  database: Database,
  studyId: string,
  caller: Caller,
  input: AmendmentRequest,
): Promise<ProtocolVersionSummary> {
  authorize(caller.user, 'protocol.manage');
  const parsed = parseProtocolOnServer(input.source);
  if (!parsed.ok) {
    throw validationFailed(
      parsed.problems.map((problem) => ({
        field: problem.path,
        message: problem.line === undefined ? problem.message : `line ${problem.line}: ${problem.message}`,
      })),
      'The protocol file is not valid; nothing was saved.',
    );
  }
  const identity = studyIdentity(parsed.protocol);
  if (identity.studyId !== studyId) {
    throw validationFailed([
      { field: 'study.id', message: `An amendment of study ${studyId} must keep study.id "${studyId}".` },
    ]);
  }
  return database.transaction(async (trx) => {
    const study = await trx
      .selectFrom('study')
      .selectAll()
      .where('study_id', '=', studyId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const current = await currentProtocol(trx, studyId);
    // jsonb reorders keys: compare canonical forms.
    if (canonicalize(current.protocol) === canonicalize(parsed.protocol)) {
      throw conflict('The file is the same as the current protocol version; there is nothing to amend.');
    }
    const sites = await trx.selectFrom('site').select('site_id').where('study_id', '=', studyId).execute();
    const existing = new Set(sites.map((site) => site.site_id));
    const added = identity.sites.filter((site) => !existing.has(site.siteId));
    // Who works where is an administrator's decision: a protocol file cannot add sites past it.
    if (added.length > 0 && !can(caller.user, 'site.manage')) {
      const ids = added.map((site) => site.siteId).join(', ');
      throw forbidden(
        `This amendment adds the site${added.length === 1 ? '' : 's'} ${ids}, and adding sites needs the site.manage permission (an administrator's). Have an administrator add ${added.length === 1 ? 'it' : 'them'} under Admin → Sites first, or leave ${added.length === 1 ? 'it' : 'them'} out of the file; nothing was saved.`,
      );
    }
    const versionNo = study.current_protocol_version + 1;
    const now = new Date();
    await trx
      .insertInto('protocol_version')
      .values({
        study_id: studyId,
        version_no: versionNo,
        label: identity.versionLabel,
        content: JSON.stringify(parsed.protocol),
        source: input.source,
        loaded_at: now,
        loaded_by: caller.actor.label,
      })
      .execute();
    await trx
      .updateTable('study')
      .set((eb) => ({
        current_protocol_version: versionNo,
        short_title: identity.shortTitle,
        title: JSON.stringify(identity.title),
        registry_id: identity.registryId,
        version: eb('version', '+', 1),
      }))
      .where('study_id', '=', studyId)
      .execute();
    if (added.length > 0) {
      await trx
        .insertInto('site')
        .values(
          added.map((site) => ({
            study_id: studyId,
            site_id: site.siteId,
            code: site.code,
            name: JSON.stringify(site.name),
            time_zone: site.timeZone,
            created_at: now,
          })),
        )
        .execute();
    }
    await recordAudit(trx, studyId, caller.actor, [
      {
        action: 'protocol.amend',
        entityType: 'protocol_version',
        entityId: `${studyId}/${versionNo}`,
        oldValue: { version: current.versionNo, label: current.label },
        newValue: { version: versionNo, label: identity.versionLabel },
        reason: input.reason,
      },
      ...added.map(
        (site): AuditInput => ({
          action: 'site.create',
          entityType: 'site',
          entityId: site.siteId,
          newValue: site,
        }),
      ),
    ]);
    // The supply settings may have changed (a raised threshold, a new kit type, a new site).
    await reviewResupply(trx, studyId, 'all', now, caller.actor);
    return {
      versionNo,
      label: identity.versionLabel,
      loadedAt: now.toISOString(),
      loadedBy: caller.actor.label,
      loadedByName: caller.user.name,
      current: true,
    };
  });
}
