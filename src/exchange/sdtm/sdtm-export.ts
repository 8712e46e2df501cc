import type { UserView } from '../../auth/auth.schema.ts';
import { studyVersion } from '../../coding/coding-sync.ts';
import type { Database } from '../../db/connection.ts';
import { conflict } from '../../kernel/errors.ts';
import { siteProtocols } from '../../protocol/site-version.ts';
import { armsVisible } from '../../randomisation/blinding.ts';
import { type CsvCells, csvLine, csvLines } from '../csv.ts';
import type { PrivacyOptions } from '../privacy.ts';
import { type SubjectSource, subjectBatches } from '../source.ts';
import { libraryHeader, memberHeader, type XptDataset, XptObservationWriter } from '../xpt/xpt-writer.ts';
import { type SdtmContext, type SiteInfo, subjectContext, visitNumbering } from './context.ts';
import { buildDv } from './deviations.ts';
import { buildAe, buildCm, buildEx, buildMh } from './events-interventions.ts';
import { buildFindings } from './findings.ts';
import { buildMb } from './microbiology.ts';
import type { SdtmPlan } from './sdtm-plan.ts';
import { buildDm, buildDs, buildSv } from './special-purpose.ts';
import { datasetDefinition, splitLongValues, suppCodeOf } from './supplemental.ts';
import { buildTa, buildTe, buildTs, buildTv } from './trial-design.ts';
import {
  isTrialDesignCode,
  parentOf,
  type SdtmDatasetCode,
  type SdtmDomainCode,
  type SdtmRow,
  type SubjectDomainCode,
  sdtmDomainCodes,
  type TrialDesignCode,
} from './variables.ts';

export type SdtmFormat = 'xpt' | 'csv';

export interface SdtmStudy {
  context: SdtmContext;
  /** Participants in the study (the progress total). */
  subjects: number;
  trialDesign: Record<TrialDesignCode, SdtmRow[]>;
}

const subjectBuilders: Record<
  SubjectDomainCode,
  (context: SdtmContext, subject: ReturnType<typeof subjectContext>) => SdtmRow[]
> = {
  DM: buildDm,
  DS: buildDs,
  SV: buildSv,
  EX: buildEx,
  AE: buildAe,
  DV: buildDv,
  CM: buildCm,
  MH: buildMh,
  VS: (context, subject) => buildFindings('VS', context, subject),
  LB: (context, subject) => buildFindings('LB', context, subject),
  MB: buildMb,
};

/** Who an export is for: whether they may see arms is asked of armsVisible (src/randomisation/blinding.ts). */
export type SdtmReader = Pick<UserView, 'roles'>;

/**
 * The protocol, sites and trial-level facts an SDTM export starts from. A randomised study's arms go
 * into DM only when `reader` may see them; without a reader they are withheld, so an export that
 * forgets to say who it is for cannot unblind.
 */
export async function loadSdtmStudy(
  database: Database,
  studyId: string,
  privacy: PrivacyOptions,
  reader?: SdtmReader,
): Promise<SdtmStudy> {
  return database.read(async (db) => {
    // Items map from whichever version defines them: the union of the versions' forms, items and visits.
    const protocol = (await siteProtocols(db, studyId)).union();
    const armsBlinded =
      protocol.randomisation !== undefined && !(reader && (await armsVisible(db, studyId, reader)));
    const siteRows = await db
      .selectFrom('site')
      .select(['site_id', 'code'])
      .where('study_id', '=', studyId)
      .execute();
    const countries = new Map(protocol.study.sites.map((site) => [site.id, site.country ?? null]));
    const sites = new Map<string, SiteInfo>(
      siteRows.map((site) => [
        site.site_id,
        { siteId: site.site_id, code: site.code, country: countries.get(site.site_id) ?? null },
      ]),
    );
    const counts = await db
      .selectFrom('participant')
      .select((eb) => [eb.fn.countAll<number>().as('all'), eb.fn.count<number>('day1_date').as('enrolled')])
      .where('study_id', '=', studyId)
      .executeTakeFirstOrThrow();
    const firstConsent = await db
      .selectFrom('consent')
      .select((eb) => eb.fn.min('consented_at').as('first'))
      .where('study_id', '=', studyId)
      .executeTakeFirst();
    const context: SdtmContext = {
      protocol,
      studyId: protocol.study.id.toUpperCase(),
      sites,
      privacy,
      armsBlinded,
      visits: visitNumbering(protocol),
      dictionaries: {
        meddra: (await studyVersion(db, studyId, 'meddra'))?.version ?? null,
        whodrug: (await studyVersion(db, studyId, 'whodrug'))?.version ?? null,
      },
    };
    const first = firstConsent?.first ? new Date(firstConsent.first as Date | string).toISOString() : null;
    return {
      context,
      subjects: Number(counts.all),
      trialDesign: {
        // A shifted study start date would reveal the shift of whoever consented first; it is left out then.
        TS: buildTs(context, {
          actualSubjects: Number(counts.enrolled),
          firstConsent: privacy.dateShiftKey ? null : first,
        }),
        TA: buildTa(context),
        TE: buildTe(context),
        TV: buildTv(context),
      },
    };
  });
}

/** The rows of one participant in each requested subject-level domain, whole (as CSV writes them). */
export function subjectRows(
  study: SdtmStudy,
  subject: SubjectSource,
  domains: readonly SubjectDomainCode[],
): Map<SubjectDomainCode, SdtmRow[]> {
  const subjectView = subjectContext(study.context, subject);
  const out = new Map<SubjectDomainCode, SdtmRow[]>();
  for (const code of domains) out.set(code, subjectBuilders[code](study.context, subjectView));
  return out;
}

/** Rows of each data set and the variables continued in SUPP--, as one format writes them. */
export interface DatasetRows {
  rows: Map<SdtmDatasetCode, SdtmRow[]>;
  continued: Map<SubjectDomainCode, Map<string, number>>;
}

/**
 * The rows of a batch of participants in the domains asked for: whole for CSV, which has no length
 * limit; for XPT with every character value over 200 bytes split into the domain's SUPP--.
 */
export function batchRows(
  study: SdtmStudy,
  batch: readonly SubjectSource[],
  domains: readonly SubjectDomainCode[],
  format: SdtmFormat,
): DatasetRows {
  const rows = new Map<SdtmDatasetCode, SdtmRow[]>();
  const continued = new Map<SubjectDomainCode, Map<string, number>>();
  const add = (code: SdtmDatasetCode, more: SdtmRow[]) => {
    const list = rows.get(code);
    if (list) list.push(...more);
    else rows.set(code, [...more]);
  };
  for (const subject of batch) {
    for (const [code, domainRows] of subjectRows(study, subject, domains)) {
      if (format === 'csv') {
        add(code, domainRows);
        continue;
      }
      const split = splitLongValues(code, domainRows);
      add(code, split.rows);
      add(suppCodeOf(code), split.supplemental);
      const seen = continued.get(code) ?? new Map<string, number>();
      for (const [variable, pieces] of split.continued)
        seen.set(variable, Math.max(seen.get(variable) ?? 0, pieces));
      if (seen.size > 0) continued.set(code, seen);
    }
  }
  return { rows, continued };
}

/** The subject-level domains whose rows the data sets need (CM for SUPPCM). */
export function subjectDomainsOf(datasets: readonly SdtmDatasetCode[]): SubjectDomainCode[] {
  const parents = new Set(datasets.map(parentOf));
  return sdtmDomainCodes.filter(
    (code): code is SubjectDomainCode => parents.has(code) && !isTrialDesignCode(code),
  );
}

/** Byte lengths of the longest value of each character variable (at least 1). */
export type LengthTable = Map<SdtmDatasetCode, Map<string, number>>;

export function xptDataset(code: SdtmDatasetCode, lengths: LengthTable): XptDataset {
  const domain = datasetDefinition(code);
  return {
    name: code,
    label: domain.label,
    variables: domain.variables.map((variable) => ({
      name: variable.name,
      label: variable.label,
      type: variable.type,
      length: variable.type === 'num' ? 8 : Math.min(200, lengths.get(code)?.get(variable.name) ?? 1),
    })),
  };
}

export interface SdtmProgress {
  phase: 'measuring' | 'writing';
  subjectsDone: number;
  subjectsTotal: number;
}

/** A destination for the encoded chunks of one data set (a file, an HTTP reply). */
export type ChunkSink = (chunk: Uint8Array | string) => Promise<void>;

export interface SdtmWriteOptions {
  created: Date;
  /** CSV text cells: neutralised for spreadsheets (default) or exact. */
  csvCells?: CsvCells;
  onProgress?: (progress: SdtmProgress) => void;
  batchSize?: number;
}

/** The data changed between the check and the writing: the output is incomplete and must not be used. */
const changedDuringExport = (code: SdtmDatasetCode, detail: string) =>
  conflict(
    `The data of ${code} changed while it was being exported (${detail}); nothing complete was written. Export again.`,
  );

/**
 * Writes the data sets of a plan (see planSdtm, which checked every value and counted every row) to
 * their sinks, streaming: participants are read a batch at a time and every data set's rows of a
 * batch are encoded and written before the next batch is read. A data set that ends with other than
 * the planned rows is an error, so its sink is never closed as if complete.
 */
export async function writeSdtm(
  database: Database,
  studyId: string,
  study: SdtmStudy,
  plan: SdtmPlan,
  sinks: Map<SdtmDatasetCode, ChunkSink>,
  options: SdtmWriteOptions,
): Promise<Map<SdtmDatasetCode, number>> {
  const datasets = plan.datasets.filter((code) => sinks.has(code));
  const written = new Map<SdtmDatasetCode, number>(datasets.map((code) => [code, 0]));
  const writers = new Map<SdtmDatasetCode, XptObservationWriter>();
  const emit = async (code: SdtmDatasetCode, rows: SdtmRow[]) => {
    const sink = sinks.get(code);
    if (!sink || rows.length === 0) return;
    written.set(code, (written.get(code) ?? 0) + rows.length);
    const names = datasetDefinition(code).variables.map((variable) => variable.name);
    const values = rows.map((row) => names.map((name) => row[name]));
    if (plan.format === 'csv') return sink(csvLines(values, options.csvCells));
    let chunk: Uint8Array | undefined;
    try {
      chunk = writers.get(code)?.rows(values);
    } catch (error) {
      // The plan measured every value; one that no longer fits was changed since.
      throw changedDuringExport(code, error instanceof Error ? error.message : String(error));
    }
    if (chunk) await sink(chunk);
  };
  for (const code of datasets) {
    const sink = sinks.get(code) as ChunkSink;
    if (plan.format === 'csv') {
      await sink(csvLine(datasetDefinition(code).variables.map((variable) => variable.name)));
      continue;
    }
    const dataset = xptDataset(code, plan.lengths);
    writers.set(code, new XptObservationWriter(dataset));
    await sink(libraryHeader(options.created));
    await sink(memberHeader(dataset, options.created));
  }
  for (const code of datasets) if (isTrialDesignCode(code)) await emit(code, study.trialDesign[code]);
  const subjectDomains = subjectDomainsOf(datasets);
  if (subjectDomains.length > 0) {
    let done = 0;
    for await (const batch of subjectBatches(
      database,
      studyId,
      study.context.protocol.safety.adverseEvents.form,
      options.batchSize,
    )) {
      const { rows } = batchRows(study, batch, subjectDomains, plan.format);
      for (const code of datasets) await emit(code, rows.get(code) ?? []);
      done += batch.length;
      options.onProgress?.({ phase: 'writing', subjectsDone: done, subjectsTotal: study.subjects });
    }
  }
  for (const code of datasets) {
    const planned = plan.rows.get(code) ?? 0;
    const count = written.get(code) ?? 0;
    if (count !== planned) throw changedDuringExport(code, `${count} rows instead of ${planned}`);
  }
  for (const [code, writer] of writers) await sinks.get(code)?.(writer.end());
  return written;
}

export const allSdtmDomains: readonly SdtmDomainCode[] = sdtmDomainCodes;
