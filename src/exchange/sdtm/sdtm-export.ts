import type { Database } from '../../db/connection.ts';
import { currentProtocol } from '../../study/protocol-store.ts';
import { csvLine, csvLines } from '../csv.ts';
import type { PrivacyOptions } from '../privacy.ts';
import { type SubjectSource, subjectBatches } from '../source.ts';
import { libraryHeader, memberHeader, type XptDataset, XptObservationWriter } from '../xpt/xpt-writer.ts';
import { type SdtmContext, type SiteInfo, subjectContext, visitNumbering } from './context.ts';
import { buildAe, buildCm, buildEx, buildMh } from './events-interventions.ts';
import { buildFindings } from './findings.ts';
import { buildDm, buildDs, buildSv } from './special-purpose.ts';
import { buildTa, buildTs, buildTv } from './trial-design.ts';
import { type SdtmDomainCode, type SdtmRow, sdtmDomainCodes, sdtmDomains } from './variables.ts';

export type SdtmFormat = 'xpt' | 'csv';

export interface SdtmStudy {
  context: SdtmContext;
  /** Participants in the study (the progress total). */
  subjects: number;
  trialDesign: Record<'TS' | 'TA' | 'TV', SdtmRow[]>;
}

const subjectBuilders: Record<
  Exclude<SdtmDomainCode, 'TS' | 'TA' | 'TV'>,
  (context: SdtmContext, subject: ReturnType<typeof subjectContext>) => SdtmRow[]
> = {
  DM: buildDm,
  DS: buildDs,
  SV: buildSv,
  EX: buildEx,
  AE: buildAe,
  CM: buildCm,
  MH: buildMh,
  VS: (context, subject) => buildFindings('VS', context, subject),
  LB: (context, subject) => buildFindings('LB', context, subject),
};

const isSubjectDomain = (code: SdtmDomainCode): code is keyof typeof subjectBuilders =>
  code in subjectBuilders;

/** The protocol, sites and trial-level facts an SDTM export starts from. */
export async function loadSdtmStudy(
  database: Database,
  studyId: string,
  privacy: PrivacyOptions,
): Promise<SdtmStudy> {
  return database.read(async (db) => {
    const { protocol } = await currentProtocol(db, studyId);
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
      visits: visitNumbering(protocol),
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
        TV: buildTv(context),
      },
    };
  });
}

/** The rows of one participant in each requested subject-level domain. */
export function subjectRows(
  study: SdtmStudy,
  subject: SubjectSource,
  domains: readonly SdtmDomainCode[],
): Map<SdtmDomainCode, SdtmRow[]> {
  const subjectView = subjectContext(study.context, subject);
  const out = new Map<SdtmDomainCode, SdtmRow[]>();
  for (const code of domains)
    if (isSubjectDomain(code)) out.set(code, subjectBuilders[code](study.context, subjectView));
  return out;
}

const encoder = new TextEncoder();

/** Byte lengths of the longest value of each character variable (at least 1). */
export type LengthTable = Map<SdtmDomainCode, Map<string, number>>;

function measure(lengths: LengthTable, code: SdtmDomainCode, rows: SdtmRow[]): void {
  const table = lengths.get(code) ?? new Map<string, number>();
  lengths.set(code, table);
  for (const variable of sdtmDomains[code].variables) {
    if (variable.type !== 'char') continue;
    let longest = table.get(variable.name) ?? 1;
    for (const row of rows) {
      const value = row[variable.name];
      if (value === null || value === undefined) continue;
      const text = String(value);
      const bytes = text.length * 3 <= longest ? text.length : encoder.encode(text).length;
      if (bytes > longest) longest = bytes;
    }
    table.set(variable.name, longest);
  }
}

export function xptDataset(code: SdtmDomainCode, lengths: LengthTable): XptDataset {
  const domain = sdtmDomains[code];
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
  format: SdtmFormat;
  domains: readonly SdtmDomainCode[];
  created: Date;
  onProgress?: (progress: SdtmProgress) => void;
  batchSize?: number;
}

export interface SdtmWriteResult {
  rows: Map<SdtmDomainCode, number>;
  lengths: LengthTable;
}

/**
 * Writes the requested domains to their sinks, streaming: participants are read a batch at a time and
 * every domain's rows of a batch are encoded and written before the next batch is read. Transport
 * files need each character variable's length before the first observation, so XPT takes two passes
 * over the data (measure, then write); CSV takes one.
 */
export async function writeSdtm(
  database: Database,
  studyId: string,
  study: SdtmStudy,
  sinks: Map<SdtmDomainCode, ChunkSink>,
  options: SdtmWriteOptions,
): Promise<SdtmWriteResult> {
  const lengths: LengthTable = new Map();
  const subjectDomains = options.domains.filter(isSubjectDomain);
  const progress = (phase: SdtmProgress['phase'], subjectsDone: number) =>
    options.onProgress?.({ phase, subjectsDone, subjectsTotal: study.subjects });
  for (const code of options.domains)
    if (!isSubjectDomain(code)) measure(lengths, code, study.trialDesign[code]);
  if (options.format === 'xpt' && subjectDomains.length > 0) {
    let done = 0;
    for await (const batch of subjectBatches(database, studyId, options.batchSize)) {
      for (const subject of batch) {
        for (const [code, rows] of subjectRows(study, subject, subjectDomains)) measure(lengths, code, rows);
      }
      done += batch.length;
      progress('measuring', done);
    }
  }
  const rows = new Map<SdtmDomainCode, number>(options.domains.map((code) => [code, 0]));
  const writers = new Map<SdtmDomainCode, XptObservationWriter>();
  const emit = async (code: SdtmDomainCode, domainRows: SdtmRow[]) => {
    const sink = sinks.get(code);
    if (!sink || domainRows.length === 0) return;
    rows.set(code, (rows.get(code) ?? 0) + domainRows.length);
    const names = sdtmDomains[code].variables.map((variable) => variable.name);
    if (options.format === 'csv') {
      await sink(csvLines(domainRows.map((row) => names.map((name) => row[name]))));
      return;
    }
    const writer = writers.get(code);
    if (writer) await sink(writer.rows(domainRows.map((row) => names.map((name) => row[name]))));
  };
  for (const code of options.domains) {
    const sink = sinks.get(code);
    if (!sink) continue;
    if (options.format === 'csv') {
      await sink(csvLine(sdtmDomains[code].variables.map((variable) => variable.name)));
    } else {
      const dataset = xptDataset(code, lengths);
      writers.set(code, new XptObservationWriter(dataset));
      await sink(libraryHeader(options.created));
      await sink(memberHeader(dataset, options.created));
    }
  }
  for (const code of options.domains) if (!isSubjectDomain(code)) await emit(code, study.trialDesign[code]);
  if (subjectDomains.length > 0) {
    let done = 0;
    for await (const batch of subjectBatches(database, studyId, options.batchSize)) {
      const byDomain = new Map<SdtmDomainCode, SdtmRow[]>(subjectDomains.map((code) => [code, []]));
      for (const subject of batch) {
        for (const [code, domainRows] of subjectRows(study, subject, subjectDomains))
          byDomain.get(code)?.push(...domainRows);
      }
      for (const [code, domainRows] of byDomain) await emit(code, domainRows);
      done += batch.length;
      progress('writing', done);
    }
  }
  for (const [code, writer] of writers) await sinks.get(code)?.(writer.end());
  return { rows, lengths };
}

export const allSdtmDomains: readonly SdtmDomainCode[] = sdtmDomainCodes;
