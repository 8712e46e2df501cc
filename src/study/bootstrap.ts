import { sql } from 'kysely';
import type { Logger } from 'pino';
import { systemActor } from '../audit/audit.schema.ts';
import { bootstrapAdmin, issueSetupToken } from '../auth/setup.service.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { readProtocolFile } from './protocol-source.ts';
import { createStudy, findStudyId } from './study.service.ts';

export interface BootstrapResult {
  studyId: string;
  /** The one-time setup secret, when the study has no user yet. */
  setupSecret: string | null;
}

/**
 * What every start does: migrate, load the default protocol into an empty database, create the
 * first administrator from the environment if asked, and otherwise issue a setup link while the
 * study has no user. Safe to run from several servers at once.
 */
export async function bootstrap(
  database: Database,
  config: Config,
  logger: Logger,
): Promise<BootstrapResult> {
  const applied = await migrateToLatest(database.kysely);
  if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  let studyId = await database.read(findStudyId);
  if (!studyId) {
    const { protocol, identity, source } = await readProtocolFile(config.protocolFile);
    studyId = await database.transaction(async (trx) => {
      // Several servers may start at once on an empty database: one creates the study, the others
      // wait on this lock and then find it.
      await sql`select pg_advisory_xact_lock(hashtext('exotrial.bootstrap'))`.execute(trx);
      const existing = await findStudyId(trx);
      if (existing) return existing;
      await createStudy(trx, systemActor('first start'), identity, { content: protocol, source });
      return identity.studyId;
    });
    logger.info({ studyId, protocolFile: config.protocolFile }, 'default protocol loaded');
  }
  if (config.bootstrapAdmin) {
    const admin = await bootstrapAdmin(database, studyId, config.bootstrapAdmin);
    if (admin) logger.info({ email: admin.email }, 'first administrator created from the environment');
  }
  const setupSecret = await issueSetupToken(database, studyId);
  return { studyId, setupSecret };
}
