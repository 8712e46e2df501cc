import type { Actor } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { canAccessSite } from '../kernel/permissions.ts';
import { reviewResupply } from '../product/resupply-notifications.ts';
import type { NewSite, SiteDetail, SiteEntry, SiteSettings, SiteView } from './study.schema.ts';

export type { NewSite, SiteDetail, SiteEntry, SiteSettings, SiteView } from './study.schema.ts';

const toView = (row: {
  site_id: string;
  code: string;
  name: { en: string; zh: string };
  time_zone: string;
  altitude_m: number | null;
  barometric_pressure_mmhg: number | null;
}): SiteEntry => ({
  siteId: row.site_id,
  code: row.code,
  name: row.name,
  timeZone: row.time_zone,
  ...settingsOf(row),
});

const settingsOf = (row: { altitude_m: number | null; barometric_pressure_mmhg: number | null }) => ({
  altitudeM: row.altitude_m,
  barometricPressureMmHg: row.barometric_pressure_mmhg,
});

export async function listSites(db: Db, studyId: string): Promise<SiteEntry[]> {
  const rows = await db
    .selectFrom('site')
    .selectAll()
    .where('study_id', '=', studyId)
    .orderBy('site_id')
    .execute();
  return rows.map(toView);
}

/** One site with the people who work there (the caller's site scope is checked by the route). */
export async function siteDetail(db: Db, studyId: string, siteId: string): Promise<SiteDetail> {
  const row = await db
    .selectFrom('site')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .executeTakeFirst();
  if (!row) throw notFound(`Site ${siteId}`);
  const users = await db
    .selectFrom('app_user')
    .select(['user_id', 'name', 'roles', 'site_ids', 'status'])
    .where('study_id', '=', studyId)
    .orderBy('name')
    .execute();
  const staff = users
    .filter((user) => canAccessSite({ roles: [], siteIds: user.site_ids }, siteId))
    .map((user) => ({ userId: user.user_id, name: user.name, roles: user.roles, status: user.status }));
  return { ...toView(row), staff };
}

/** Adds a site to the study (sites also come with the protocol); audited. */
export async function addSite(trx: Tx, studyId: string, actor: Actor, site: NewSite): Promise<SiteView> {
  const existing = await trx
    .selectFrom('site')
    .select('site_id')
    .where('study_id', '=', studyId)
    .where((eb) => eb.or([eb('site_id', '=', site.siteId), eb('code', '=', site.code)]))
    .executeTakeFirst();
  if (existing) throw conflict(`A site with the id ${site.siteId} or the code ${site.code} already exists.`);
  await trx
    .insertInto('site')
    .values({
      study_id: studyId,
      site_id: site.siteId,
      code: site.code,
      name: JSON.stringify(site.name),
      time_zone: site.timeZone,
      created_at: new Date(),
    })
    .execute();
  await recordAudit(trx, studyId, actor, {
    action: 'site.create',
    entityType: 'site',
    entityId: site.siteId,
    newValue: site,
    context: { siteId: site.siteId },
  });
  // A new site holds no kits: in a kit study it is due for resupply from the start.
  await reviewResupply(trx, studyId, [site.siteId], new Date(), actor);
  return site;
}

/**
 * Sets a site's altitude and barometric pressure (the PaO2/FiO2 correction reads them); audited with the
 * old and new settings. Values already saved keep theirs: a derived ratio is computed when read.
 */
export async function updateSiteSettings(
  trx: Tx,
  studyId: string,
  actor: Actor,
  siteId: string,
  settings: SiteSettings,
): Promise<SiteEntry> {
  const row = await trx
    .selectFrom('site')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`Site ${siteId}`);
  const updated = await trx
    .updateTable('site')
    .set({ altitude_m: settings.altitudeM, barometric_pressure_mmhg: settings.barometricPressureMmHg })
    .where('study_id', '=', studyId)
    .where('site_id', '=', siteId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, studyId, actor, {
    action: 'site.settings.change',
    entityType: 'site',
    entityId: siteId,
    oldValue: settingsOf(row),
    newValue: settingsOf(updated),
    context: { siteId },
  });
  return toView(updated);
}
