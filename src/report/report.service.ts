import type { UserView } from '../auth/auth.schema.ts';
import type { Database } from '../db/connection.ts';
import { authorize } from '../kernel/permissions.ts';
import type { AnalyseOptions } from '../outcomes/analyse.ts';
import { loadOutcomeSources } from '../outcomes/outcomes.loader.ts';
import type { Protocol } from '../protocol/schema.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { confirmedDeviationCounts } from './report.deviations.ts';
import { buildReportModel, type ReportModel } from './report.model.ts';

export interface LoadedReport {
  model: ReportModel;
  protocol: Protocol;
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
  const { version, sources, deviations, dataCut } = await database.read(async (db) => {
    const current = await currentProtocol(db, studyId);
    const dataCut = new Date().toISOString();
    return {
      version: current,
      sources: await loadOutcomeSources(db, studyId, current.protocol),
      deviations: await confirmedDeviationCounts(db, studyId),
      dataCut,
    };
  });
  const model = buildReportModel({
    dataCut,
    protocolVersion: version.label,
    protocolVersionNo: version.versionNo,
    protocol: version.protocol,
    sources,
    deviations,
    options,
  });
  return { model, protocol: version.protocol };
}
