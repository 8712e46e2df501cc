import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { errorBodySchema } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { validationFailed } from '../kernel/errors.ts';
import { siteProtocols } from '../protocol/site-version.ts';
import type { CsvCells } from './csv.ts';
import { type ExportKind, recordExport } from './export-audit.ts';
import { exportFhirBundle } from './fhir/fhir-bundle.ts';
import { exportOdm } from './odm/odm-export.ts';
import type { PrivacyOptions } from './privacy.ts';
import { redcapDataCsv, redcapDictionaryCsv } from './redcap/redcap-export.ts';
import { type ChunkSink, loadSdtmStudy, type SdtmReader, writeSdtm } from './sdtm/sdtm-export.ts';
import { exportSdtmDirectory } from './sdtm/sdtm-files.ts';
import { planSdtm } from './sdtm/sdtm-plan.ts';
import { type SdtmDatasetCode, sdtmDomainCodes, suppCodes } from './sdtm/variables.ts';
import { unplacedValuesOfStudy, unplacedValuesUnderOwnVersion } from './unplaced-values.ts';
import { zipStream } from './zip.ts';

// Downloads of every export. Each streams: the reply starts while the data is still being read, a
// batch of participants at a time. Each writes its audit event (who took what out, with which privacy
// options) before the first byte leaves, so nothing is exported unrecorded.

const DATE_SHIFT_HEADER = 'x-date-shift-key';
/**
 * How many saved values the export could not place. SDTM and REDCap read every value under the union
 * of the study's protocol versions (a value none of them defines is unplaced); ODM reads each under
 * the version it was entered under (a value that version does not define is unplaced). Each is
 * counted here, in the export's audit event and (ODM) in an annotation, never left out unsaid.
 */
const UNPLACED_HEADER = 'x-unplaced-values';
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };
const sdtmErrors = { ...errors, 409: errorBodySchema, 422: errorBodySchema };
const binary = z.unknown().describe('the file, streamed');
const flag = z.enum(['true', 'false']).default('false');

const privacyQuery = {
  includeIdentifiers: flag.describe('keep direct identifiers (dates of birth); left out by default'),
};
const rawQuery = {
  raw: flag.describe(
    "CSV only: write every value exactly. By default a text cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return, and not a plain number) is written with a leading '; the choice is in the export's audit event",
  ),
};
const cellsOf = (query: { raw: 'true' | 'false' }): CsvCells =>
  query.raw === 'true' ? 'raw' : 'spreadsheet';
const privacyHeaders = z.object({
  [DATE_SHIFT_HEADER]: z
    .string()
    .optional()
    .describe(
      "secret key (8 characters or more) that moves each participant's dates by 1–180 days; sent as a header so it stays out of URLs and logs",
    ),
});

function privacyOf(query: { includeIdentifiers: 'true' | 'false' }, headers: unknown): PrivacyOptions {
  const key = (headers as Record<string, string | undefined>)[DATE_SHIFT_HEADER];
  if (key !== undefined && key.length < 8) {
    throw validationFailed(
      [{ field: 'X-Date-Shift-Key', message: 'Use a secret key of at least 8 characters.' }],
      'The date-shifting key needs at least 8 characters (keep it to repeat the same shift).',
    );
  }
  return { includeIdentifiers: query.includeIdentifiers === 'true', dateShiftKey: key || null };
}

const sdtmDatasetCodes: readonly string[] = [...sdtmDomainCodes, ...suppCodes];
// Domain names in either case: dm or DM, suppcm or SUPPCM.
const sdtmDomainParam = z.enum(
  sdtmDatasetCodes.flatMap((code) => [code.toLowerCase(), code]) as [string, ...string[]],
);
const stamp = () => new Date().toISOString().slice(0, 10);

function download(reply: FastifyReply, type: string, fileName: string, body: Readable) {
  return reply
    .type(type)
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

/** A readable stream fed by a writer that pushes into a sink, waiting while the client is slow. */
function streamFromSink(run: (sink: ChunkSink) => Promise<void>): Readable {
  const stream = new PassThrough();
  const sink: ChunkSink = async (chunk) => {
    if (stream.destroyed) throw new Error('the client went away');
    if (stream.write(chunk)) return;
    // Wait for the client to read, or for the reply to close (the client went away) so the export stops.
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.once('drain', done);
      stream.once('close', done);
    });
  };
  run(sink).then(
    () => stream.end(),
    (error: Error) => stream.destroy(error),
  );
  return stream;
}

/**
 * Every SDTM data set and define.xml as one ZIP. The files are written whole into a temporary folder
 * before the reply starts, so a value that cannot be written is a 422 and never a broken archive;
 * the folder goes when the reply ends, however it ends.
 */
async function sdtmZip(
  context: AppContext,
  format: 'xpt' | 'csv',
  privacy: PrivacyOptions,
  csvCells: CsvCells,
  reader: SdtmReader,
): Promise<{ body: Readable; rows: Record<string, number> }> {
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-sdtm-'));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  try {
    const sdtm = join(folder, 'sdtm');
    const result = await exportSdtmDirectory(context.database, context.studyId, sdtm, {
      format,
      privacy,
      csvCells,
      reader,
    });
    const files = readdirSync(sdtm).sort();
    const body = Readable.from(
      zipStream(files.map((file) => ({ name: `sdtm/${file}`, chunks: createReadStream(join(sdtm, file)) }))),
    );
    body.once('close', remove);
    return { body, rows: Object.fromEntries(result.files.map((file) => [file.domain, file.rows])) };
  } catch (error) {
    remove();
    throw error;
  }
}

export function exchangeRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const audit = (
    request: Parameters<typeof sessionOf>[0],
    kind: ExportKind,
    privacy: PrivacyOptions,
    details = {},
  ) => recordExport(database, context.studyId, sessionOf(request).actor, kind, privacy, details);
  const config = { permission: 'export.run' as const };
  /** The values the export cannot place, counted before the reply starts (header and audit event). */
  const unplacedCount = async (reply: FastifyReply, underOwnVersion = false) => {
    const values = await database.read(async (db) => {
      const protocols = await siteProtocols(db, context.studyId);
      return underOwnVersion
        ? unplacedValuesUnderOwnVersion(db, context.studyId, protocols)
        : unplacedValuesOfStudy(db, context.studyId, protocols.union());
    });
    reply.header(UNPLACED_HEADER, String(values.length));
    return values.length === 0 ? {} : { unplacedValues: values.length };
  };

  app.get(
    '/fhir/Bundle',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          'The trial as one FHIR R4 Bundle (collection): ResearchStudy, ResearchSubject, pseudonymised Patient, Consent, Observation, MedicationAdministration, AdverseEvent',
        querystring: z.strictObject(privacyQuery),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      await audit(request, 'fhir', privacy);
      const body = Readable.from(exportFhirBundle(database, context.studyId, { privacy }));
      return download(reply, 'application/fhir+json; charset=utf-8', `fhir-bundle-${stamp()}.json`, body);
    },
  );

  app.get(
    '/exports/odm',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          'CDISC ODM 1.3.2: one MetaDataVersion per protocol version with data (and the current one), and one ClinicalData per version with the values entered under it, with audit records and signatures (metadataOnly: only forms, items, code lists and checks); X-Unplaced-Values counts saved values their own version does not define',
        querystring: z.strictObject({ ...privacyQuery, metadataOnly: flag }),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const metadataOnly = request.query.metadataOnly === 'true';
      const unplaced = metadataOnly ? {} : await unplacedCount(reply, true);
      await audit(request, metadataOnly ? 'odm-metadata' : 'odm', privacy, unplaced);
      const body = Readable.from(exportOdm(database, context.studyId, { metadataOnly, privacy }));
      const name = metadataOnly ? `odm-metadata-${stamp()}.xml` : `odm-${stamp()}.xml`;
      return download(reply, 'application/xml; charset=utf-8', name, body);
    },
  );

  const sdtmFormat = z.enum(['xpt', 'csv']).default('xpt').describe('xpt (SAS XPORT version 5) or csv');
  app.get(
    '/exports/sdtm',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          'Every SDTM domain (DM DS SV EX AE CM MH VS LB TS TA TV), the SUPP-- data sets long text needs (XPT) and define.xml, as one ZIP; 422 when a value cannot be written; X-Unplaced-Values counts saved values no protocol version defines',
        querystring: z.strictObject({ ...privacyQuery, ...rawQuery, format: sdtmFormat }),
        headers: privacyHeaders,
        response: { 200: binary, ...sdtmErrors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const { format } = request.query;
      const cells = cellsOf(request.query);
      const unplaced = await unplacedCount(reply);
      const { body, rows } = await sdtmZip(context, format, privacy, cells, sessionOf(request).user);
      try {
        await audit(request, format === 'xpt' ? 'sdtm-xpt' : 'sdtm-csv', privacy, {
          domains: 'all',
          rows,
          ...(format === 'csv' ? { csvCells: cells } : {}),
          ...unplaced,
        });
      } catch (error) {
        body.destroy();
        throw error;
      }
      return download(reply, 'application/zip', `sdtm-${format}-${stamp()}.zip`, body);
    },
  );

  app.get(
    '/exports/sdtm/:domain',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          'One SDTM data set as a SAS transport file or CSV: a domain, or (XPT) its SUPP-- with the rest of text over 200 bytes; 422 when a value cannot be written; X-Unplaced-Values counts saved values no protocol version defines',
        params: z.strictObject({
          domain: sdtmDomainParam.describe('the data set code in either case, e.g. dm, CM or suppcm'),
        }),
        querystring: z.strictObject({ ...privacyQuery, ...rawQuery, format: sdtmFormat }),
        headers: privacyHeaders,
        response: { 200: binary, ...sdtmErrors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const { format } = request.query;
      const cells = cellsOf(request.query);
      const code = request.params.domain.toUpperCase() as SdtmDatasetCode;
      // Every row is built, counted and checked before the reply starts: what cannot be written is a
      // 422 here, never a 200 whose file ends short.
      const study = await loadSdtmStudy(database, context.studyId, privacy, sessionOf(request).user);
      const plan = await planSdtm(database, context.studyId, study, { format, datasets: [code] });
      const unplaced = await unplacedCount(reply);
      await audit(request, format === 'xpt' ? 'sdtm-xpt' : 'sdtm-csv', privacy, {
        domains: [code],
        rows: plan.rows.get(code) ?? 0,
        ...(format === 'csv' ? { csvCells: cells } : {}),
        ...unplaced,
      });
      const body = streamFromSink(async (sink) => {
        await writeSdtm(database, context.studyId, study, plan, new Map([[code, sink]]), {
          created: new Date(),
          csvCells: cells,
        });
      });
      const type = format === 'xpt' ? 'application/x-sas-xport' : 'text/csv; charset=utf-8';
      return download(reply, type, `${code.toLowerCase()}.${format}`, body);
    },
  );

  const redcapPart = z
    .enum(['all', 'data', 'dictionary'])
    .default('all')
    .describe('all: a ZIP of both; data: the flat records CSV; dictionary: the data dictionary CSV');
  app.get(
    '/exports/redcap',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          "REDCap's flat CSV (one row per participant and event) with its data dictionary (every field of every protocol version), ready for REDCap's data import tool; X-Unplaced-Values counts saved values no version defines",
        querystring: z.strictObject({ ...privacyQuery, ...rawQuery, part: redcapPart }),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const { part } = request.query;
      const cells = cellsOf(request.query);
      const kind: ExportKind =
        part === 'all' ? 'redcap' : part === 'data' ? 'redcap-data' : 'redcap-dictionary';
      const unplaced = part === 'dictionary' ? {} : await unplacedCount(reply);
      await audit(request, kind, privacy, { csvCells: cells, ...unplaced });
      if (part === 'dictionary') {
        const body = Readable.from(redcapDictionaryCsv(database, context.studyId, cells));
        return download(reply, 'text/csv; charset=utf-8', 'redcap-data-dictionary.csv', body);
      }
      if (part === 'data') {
        const body = Readable.from(redcapDataCsv(database, context.studyId, { privacy, cells }));
        return download(reply, 'text/csv; charset=utf-8', `redcap-data-${stamp()}.csv`, body);
      }
      const body = Readable.from(
        zipStream([
          {
            name: 'redcap/data-dictionary.csv',
            chunks: redcapDictionaryCsv(database, context.studyId, cells),
          },
          { name: 'redcap/data.csv', chunks: redcapDataCsv(database, context.studyId, { privacy, cells }) },
        ]),
      );
      return download(reply, 'application/zip', `redcap-${stamp()}.zip`, body);
    },
  );
}
