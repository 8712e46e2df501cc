import type { Actor, AuditInput } from '../audit/audit.schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { Db, Tx } from '../db/connection.ts';
import { notFound } from '../kernel/errors.ts';
import { reviewResupply } from '../product/resupply-notifications.ts';
import type { StudyIdentity, StudyOverview } from './study.schema.ts';

/** The study this database serves: the first one created (one study per installation for now). */
export async function findStudyId(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('study')
    .select('study_id')
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  return row?.study_id;
}

/**
 * Creates a study with its sites and protocol version 1 from a validated protocol, all audited in
 * one transaction.
 */
export async function createStudy(
  trx: Tx,
  actor: Actor,
  identity: StudyIdentity,
  protocol: { content: unknown; source: string },
): Promise<void> {
  const now = new Date();
  const studyId = identity.studyId;
  await trx
    .insertInto('study')
    .values({
      study_id: studyId,
      short_title: identity.shortTitle,
      title: JSON.stringify(identity.title),
      registry_id: identity.registryId,
      current_protocol_version: 1,
      created_at: now,
    })
    .execute();
  await trx
    .insertInto('protocol_version')
    .values({
      study_id: studyId,
      version_no: 1,
      label: identity.versionLabel,
      content: JSON.stringify(protocol.content),
      source: protocol.source,
      loaded_at: now,
      loaded_by: actor.label,
    })
    .execute();
  if (identity.sites.length > 0) {
    await trx
      .insertInto('site')
      .values(
        identity.sites.map((site) => ({
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
  await recordAudit(trx, studyId, actor, [
    {
      action: 'study.create',
      entityType: 'study',
      entityId: studyId,
      newValue: { shortTitle: identity.shortTitle, title: identity.title, registryId: identity.registryId },
    },
    {
      action: 'protocol.load',
      entityType: 'protocol_version',
      entityId: `${studyId}/1`,
      newValue: { version: 1, label: identity.versionLabel },
    },
    ...identity.sites.map(
      (site): AuditInput => ({
        action: 'site.create',
        entityType: 'site',
        entityId: site.siteId,
        newValue: site,
      }),
    ),
  ]);
  // Supply settings are loaded: a site with nothing shipped yet may be due from the start.
  await reviewResupply(trx, studyId, 'all', now, actor);
}

export async function studyOverview(db: Db, studyId: string): Promise<StudyOverview> {
  const study = await db.selectFrom('study').selectAll().where('study_id', '=', studyId).executeTakeFirst();
  if (!study) throw notFound(`Study ${studyId}`);
  const [protocol, sites, users, events] = await Promise.all([
    db
      .selectFrom('protocol_version')
      .select(['version_no', 'label', 'loaded_at'])
      .where('study_id', '=', studyId)
      .where('version_no', '=', study.current_protocol_version)
      .executeTakeFirstOrThrow(),
    db.selectFrom('site').selectAll().where('study_id', '=', studyId).orderBy('site_id').execute(),
    db
      .selectFrom('app_user')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('study_id', '=', studyId)
      .executeTakeFirstOrThrow(),
    db.selectFrom('audit_chain_head').select('seq').where('study_id', '=', studyId).executeTakeFirst(),
  ]);
  return {
    studyId: study.study_id,
    shortTitle: study.short_title,
    title: study.title,
    registryId: study.registry_id,
    protocolVersion: {
      number: protocol.version_no,
      label: protocol.label,
      loadedAt: new Date(protocol.loaded_at).toISOString(),
    },
    sites: sites.map((site) => ({
      siteId: site.site_id,
      code: site.code,
      name: site.name,
      timeZone: site.time_zone,
    })),
    counts: { users: Number(users.count), auditEvents: events?.seq ?? 0 },
  };
}
