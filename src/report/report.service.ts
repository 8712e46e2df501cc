import type { UserView } from '../auth/auth.schema.ts';
import type { Database, Db } from '../db/connection.ts';
import { unplacedValuesOfStudy } from '../exchange/unplaced-values.ts';
import { authorize } from '../kernel/permissions.ts';
import type { AnalyseOptions } from '../outcomes/analyse.ts';
import { loadOutcomeSources } from '../outcomes/outcomes.loader.ts';
import type { Protocol } from '../protocol/schema.ts';
import { siteProtocols } from '../protocol/site-version.ts';
import { armsVisible } from '../randomisation/blinding.ts';
import type { ArmAllocations } from './report.arms.ts';
import { confirmedDeviationCounts } from './report.deviations.ts';
import { buildReportModel, type ReportModel } from './report.model.ts';

export interface LoadedReport {
  model: ReportModel;
  protocol: Protocol;
}

/**
 * The arms of a randomised study as `user` may see them: the allocations when `armsVisible` says so,
 * otherwise nothing but the fact that the study is blinded to them. The command line (no user) gets
 * the pooled report: a file on disk is not the place to unblind a study.
 */
async function allocationsFor(
  db: Db,
  studyId: string,
  protocol: Protocol,
  user: Pick<UserView, 'roles' | 'siteIds'> | null,
): Promise<ArmAllocations | undefined> {
  if (protocol.study.design.allocation !== 'randomised') return undefined;
  if (!user || !(await armsVisible(db, studyId, user))) return { visible: false };
  const rows = await db
    .selectFrom('randomisation_allocation')
    .select(['participant_id', 'arm', 'stratum'])
    .where('study_id', '=', studyId)
    .execute();
  return {
    visible: true,
    armOf: new Map(rows.map((row) => [row.participant_id, row.arm])),
    stratumOf: new Map(rows.map((row) => [row.participant_id, row.stratum])),
  };
}

/**
 * Reads the study's source rows in one read (the data cut is the moment of that read) and builds
 * the report model. `user` is checked for analysis.read; the command line passes none (it runs
 * with the database owner's rights on a local data folder).
 */
export async function loadReport(
  database: Database,
  studyId: string,
  user: Pick<UserView, 'roles' | 'siteIds'> | null,
  options: AnalyseOptions = {},
): Promise<LoadedReport> {
  if (user) authorize(user, 'analysis.read');
  const { version, protocol, sources, deviations, arms, unplaced, dataCut } = await database.read(
    async (db) => {
      const protocols = await siteProtocols(db, studyId);
      // Values are read under every version's forms and items (the union), so a value entered under a
      // version whose item a later amendment removed still counts; the stamp names the current version.
      const protocol = protocols.union();
      const dataCut = new Date().toISOString();
      return {
        version: protocols.current,
        protocol,
        sources: await loadOutcomeSources(db, studyId, protocol),
        deviations: await confirmedDeviationCounts(db, studyId),
        arms: await allocationsFor(db, studyId, protocol, user),
        unplaced: await unplacedValuesOfStudy(db, studyId, protocol),
        dataCut,
      };
    },
  );
  const model = buildReportModel({
    dataCut,
    protocolVersion: version.label,
    protocolVersionNo: version.versionNo,
    protocol,
    sources,
    deviations,
    options,
    unplacedValues: unplaced,
    ...(arms ? { arms } : {}),
  });
  return { model, protocol };
}
