import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import type { Caller } from '../kernel/caller.ts';
import { conflict, DomainError, forbidden, notFound } from '../kernel/errors.ts';
import { authorize, canAccessSite } from '../kernel/permissions.ts';

// A site's hospital laboratory names itself in each message (HL7 MSH-4, the performer of a FHIR
// bundle). The site lists those sending-facility identifiers; a message's results then belong to the
// site, and a hospital identifier is matched among that site's participants only (a medical record
// number is unique within one hospital, not across them).

/** The sending-facility identifiers of each site, by site id. */
export async function labFacilitiesBySite(db: Db, studyId: string): Promise<Record<string, string[]>> {
  const rows = await db
    .selectFrom('site_lab_facility')
    .select(['site_id', 'facility_id'])
    .where('study_id', '=', studyId)
    .orderBy('facility_id')
    .execute();
  const bySite: Record<string, string[]> = {};
  for (const row of rows) bySite[row.site_id] = [...(bySite[row.site_id] ?? []), row.facility_id];
  return bySite;
}

/** The site whose laboratory sends as this facility; null when no site lists it. */
export async function siteOfFacility(db: Db, studyId: string, facilityId: string | null) {
  if (!facilityId) return null;
  const row = await db
    .selectFrom('site_lab_facility')
    .select('site_id')
    .where('study_id', '=', studyId)
    .where('facility_id', '=', facilityId)
    .executeTakeFirst();
  return row?.site_id ?? null;
}

/**
 * Replaces a site's list of sending-facility identifiers; audited with the old and new lists. A
 * facility listed by another site is refused (409): its messages would belong to two sites.
 */
export async function setLabFacilities(
  trx: Tx,
  studyId: string,
  caller: Caller,
  siteId: string,
  facilityIds: string[],
): Promise<string[]> {
  authorize(caller.user, 'site.manage', { siteId });
  const site = await trx
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .forUpdate()
    .executeTakeFirst();
  if (!site) throw notFound(`Site ${siteId}`);
  const wanted = [...new Set(facilityIds)].sort();
  const taken = wanted.length
    ? await trx
        .selectFrom('site_lab_facility')
        .select(['facility_id', 'site_id'])
        .where('study_id', '=', studyId)
        .where('facility_id', 'in', wanted)
        .where('site_id', '!=', siteId)
        .execute()
    : [];
  if (taken.length > 0) {
    throw conflict(
      `${taken.map((row) => `${row.facility_id} is listed by site ${row.site_id}`).join('; ')}: a facility's messages belong to one site; remove it there first.`,
    );
  }
  const old = (await labFacilitiesBySite(trx, studyId))[siteId] ?? [];
  await trx
    .deleteFrom('site_lab_facility')
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .execute();
  if (wanted.length > 0) {
    const at = new Date();
    await trx
      .insertInto('site_lab_facility')
      .values(
        wanted.map((facilityId) => ({
          study_id: studyId,
          facility_id: facilityId,
          site_id: siteId,
          recorded_at: at,
          recorded_by: caller.actor.label,
        })),
      )
      .execute();
  }
  await recordAudit(trx, studyId, caller.actor, {
    action: 'site.lab_facilities.change',
    entityType: 'site',
    entityId: siteId,
    oldValue: { labFacilities: old },
    newValue: { labFacilities: wanted },
    context: { siteId },
  });
  return wanted;
}

/**
 * The site a message's results belong to: the one the poster names (a site the poster works at),
 * else the one that lists the message's sending facility, else none (study-wide reviewers only).
 */
export async function siteOfMessage(
  db: Db,
  studyId: string,
  caller: Caller,
  message: { chosenSiteId?: string; sendingFacility: string | null },
): Promise<string | null> {
  if (message.chosenSiteId === undefined) return siteOfFacility(db, studyId, message.sendingFacility);
  const site = await db
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .where('site_id', '=', message.chosenSiteId)
    .executeTakeFirst();
  if (!site) throw new DomainError('validation_failed', `There is no site ${message.chosenSiteId}.`);
  if (!canAccessSite(caller.user, site.site_id)) {
    throw forbidden(`You do not work at site ${site.site_id}.`);
  }
  return site.site_id;
}
