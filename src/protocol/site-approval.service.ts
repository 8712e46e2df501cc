import { recordAudit } from '../audit/audit.service.ts';
import type { Database, Db } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, notFound, validationFailed } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { dateInZone } from '../study/zone-date.ts';
import type { SiteApprovalRequest, SiteProtocolStatus } from './site-approval.schema.ts';
import { siteWorkingVersions } from './site-version.ts';

// An amendment takes effect at a site when that site's ethics committee approves it: recording the
// approval moves the site's new data onto that version. A site never goes back to an older version.

/**
 * Records that `versionNo` was approved at a site on `approvedOn` (not after today at the site); the
 * site works under it from now on. Refused for a version older than or equal to the one the site works
 * under. Audited with the date.
 */
export async function approveAtSite(
  database: Database,
  studyId: string,
  caller: Caller,
  versionNo: number,
  input: SiteApprovalRequest,
  clock = new Date(),
): Promise<SiteProtocolStatus> {
  authorize(caller.user, 'protocol.manage', { siteId: input.siteId });
  return database.transaction(async (trx) => {
    const site = await trx
      .selectFrom('site')
      .select(['site_id', 'time_zone'])
      .where('study_id', '=', studyId)
      .where('site_id', '=', input.siteId)
      .forUpdate()
      .executeTakeFirst();
    if (!site) throw notFound(`Site ${input.siteId}`);
    const version = await trx
      .selectFrom('protocol_version')
      .select(['version_no', 'label'])
      .where('study_id', '=', studyId)
      .where('version_no', '=', versionNo)
      .executeTakeFirst();
    if (!version) throw notFound(`Protocol version ${versionNo}`);
    const today = dateInZone(clock, site.time_zone);
    if (input.approvedOn > today) {
      throw validationFailed([
        {
          field: 'approvedOn',
          message: `The approval date cannot be after today at the site (${today}).`,
        },
      ]);
    }
    const working = (await siteWorkingVersions(trx, studyId)).get(site.site_id) ?? 1;
    if (versionNo <= working) {
      throw conflict(
        `Site ${site.site_id} already works under protocol version ${working}; record the approval of a later version.`,
      );
    }
    await trx
      .insertInto('protocol_site_approval')
      .values({
        study_id: studyId,
        site_id: site.site_id,
        version_no: versionNo,
        approved_on: input.approvedOn,
        recorded_at: clock,
        recorded_by: caller.actor.label,
      })
      .execute();
    await recordAudit(trx, studyId, caller.actor, {
      action: 'protocol.approve',
      entityType: 'protocol_version',
      entityId: `${studyId}/${versionNo}`,
      oldValue: { siteId: site.site_id, version: working },
      newValue: {
        siteId: site.site_id,
        version: versionNo,
        label: version.label,
        approvedOn: input.approvedOn,
      },
      context: { siteId: site.site_id },
    });
    const statuses = await siteProtocolStatuses(trx, studyId);
    const status = statuses.find((entry) => entry.siteId === site.site_id);
    if (!status) throw notFound(`Site ${site.site_id}`);
    return status;
  });
}

/** Each site with the version it works under and the approvals recorded there (for the protocol page). */
export async function listSiteApprovals(
  db: Db,
  studyId: string,
  caller: Caller,
): Promise<SiteProtocolStatus[]> {
  authorize(caller.user, 'protocol.read');
  return siteProtocolStatuses(db, studyId);
}

async function siteProtocolStatuses(db: Db, studyId: string): Promise<SiteProtocolStatus[]> {
  const [sites, versions, approvals, working] = await Promise.all([
    db
      .selectFrom('site')
      .select(['site_id', 'code', 'name'])
      .where('study_id', '=', studyId)
      .orderBy('code')
      .execute(),
    db
      .selectFrom('protocol_version')
      .select(['version_no', 'label'])
      .where('study_id', '=', studyId)
      .execute(),
    db
      .selectFrom('protocol_site_approval')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('version_no')
      .execute(),
    siteWorkingVersions(db, studyId),
  ]);
  const labels = new Map(versions.map((version) => [version.version_no, version.label]));
  return sites.map((site) => {
    const workingVersionNo = working.get(site.site_id) ?? 1;
    return {
      siteId: site.site_id,
      code: site.code,
      name: site.name,
      workingVersionNo,
      workingLabel: labels.get(workingVersionNo) ?? String(workingVersionNo),
      approvals: approvals
        .filter((approval) => approval.site_id === site.site_id)
        .map((approval) => ({
          versionNo: approval.version_no,
          label: labels.get(approval.version_no) ?? String(approval.version_no),
          approvedOn: approval.approved_on,
          recordedBy: approval.recorded_by,
        })),
    };
  });
}
