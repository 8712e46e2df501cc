import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { errorBodySchema } from '../server/api-schemas.ts';
import { sessionOf } from '../server/authentication.ts';
import type { App, AppContext } from '../server/context.ts';
import { validationFailed } from '../server/errors.ts';
import { type ExportKind, recordExport } from './export-audit.ts';
import { exportFhirBundle } from './fhir/fhir-bundle.ts';
import { exportOdm } from './odm/odm-export.ts';
import type { PrivacyOptions } from './privacy.ts';
import { redcapDataCsv, redcapDictionaryCsv } from './redcap/redcap-export.ts';
import { type ChunkSink, loadSdtmStudy, writeSdtm } from './sdtm/sdtm-export.ts';
import { exportSdtmDirectory } from './sdtm/sdtm-files.ts';
import { type SdtmDomainCode, sdtmDomainCodes } from './sdtm/variables.ts';
import { zipStream } from './zip.ts';

// Downloads of every export. Each streams: the reply starts while the data is still being read, a
// batch of participants at a time. Each writes its audit event (who took what out, with which privacy
// options) before the first byte leaves, so nothing is exported unrecorded.

const DATE_SHIFT_HEADER = 'x-date-shift-key';
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema };
const binary = z.unknown().describe('the file, streamed');
const flag = z.enum(['true', 'false']).default('false');

const privacyQuery = {
  includeIdentifiers: flag.describe('keep direct identifiers (dates of birth); left out by default'),
};
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

const sdtmDomainParam = z.enum(sdtmDomainCodes.map((code) => code.toLowerCase()) as [string, ...string[]]);
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

/** Every SDTM domain and define.xml as one ZIP, through a temporary folder removed afterwards. */
async function* sdtmZip(
  context: AppContext,
  format: 'xpt' | 'csv',
  privacy: PrivacyOptions,
): AsyncGenerator<Buffer> {
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-sdtm-'));
  try {
    await exportSdtmDirectory(context.database, context.studyId, folder, { format, privacy });
    const files = readdirSync(folder).sort();
    yield* zipStream(
      files.map((file) => ({ name: `sdtm/${file}`, chunks: createReadStream(join(folder, file)) })),
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function exchangeRoutes(app: App, context: AppContext): void {
  const { database, studyId } = context;
  const audit = (
    request: Parameters<typeof sessionOf>[0],
    kind: ExportKind,
    privacy: PrivacyOptions,
    details = {},
  ) => recordExport(database, studyId, sessionOf(request).actor, kind, privacy, details);
  const config = { permission: 'export.run' as const };

  app.get(
    '/api/v1/fhir/Bundle',
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
      const body = Readable.from(exportFhirBundle(database, studyId, { privacy }));
      return download(reply, 'application/fhir+json; charset=utf-8', `fhir-bundle-${stamp()}.json`, body);
    },
  );

  app.get(
    '/api/v1/exports/odm',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          'CDISC ODM 1.3.2: the protocol metadata and the clinical data with audit records and signatures (metadataOnly: only forms, items, code lists and checks)',
        querystring: z.strictObject({ ...privacyQuery, metadataOnly: flag }),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const metadataOnly = request.query.metadataOnly === 'true';
      await audit(request, metadataOnly ? 'odm-metadata' : 'odm', privacy);
      const body = Readable.from(exportOdm(database, studyId, { metadataOnly, privacy }));
      const name = metadataOnly ? `odm-metadata-${stamp()}.xml` : `odm-${stamp()}.xml`;
      return download(reply, 'application/xml; charset=utf-8', name, body);
    },
  );

  const sdtmFormat = z.enum(['xpt', 'csv']).default('xpt').describe('xpt (SAS XPORT version 5) or csv');
  app.get(
    '/api/v1/exports/sdtm',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary: 'Every SDTM domain (DM DS SV EX AE CM MH VS LB TS TA TV) and define.xml, as one ZIP',
        querystring: z.strictObject({ ...privacyQuery, format: sdtmFormat }),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const { format } = request.query;
      await audit(request, format === 'xpt' ? 'sdtm-xpt' : 'sdtm-csv', privacy, { domains: 'all' });
      const body = Readable.from(sdtmZip(context, format, privacy));
      return download(reply, 'application/zip', `sdtm-${format}-${stamp()}.zip`, body);
    },
  );

  app.get(
    '/api/v1/exports/sdtm/:domain',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary: 'One SDTM domain as a SAS transport file or CSV',
        params: z.strictObject({
          domain: sdtmDomainParam.describe('the domain code in lower case, e.g. dm'),
        }),
        querystring: z.strictObject({ ...privacyQuery, format: sdtmFormat }),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const { format } = request.query;
      const code = request.params.domain.toUpperCase() as SdtmDomainCode;
      await audit(request, format === 'xpt' ? 'sdtm-xpt' : 'sdtm-csv', privacy, { domains: [code] });
      const body = streamFromSink(async (sink) => {
        const study = await loadSdtmStudy(database, studyId, privacy);
        await writeSdtm(database, studyId, study, new Map([[code, sink]]), {
          format,
          domains: [code],
          created: new Date(),
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
    '/api/v1/exports/redcap',
    {
      config,
      schema: {
        tags: ['exchange'],
        summary:
          "REDCap's flat CSV (one row per participant and event) with its data dictionary, ready for REDCap's data import tool",
        querystring: z.strictObject({ ...privacyQuery, part: redcapPart }),
        headers: privacyHeaders,
        response: { 200: binary, ...errors },
      },
    },
    async (request, reply) => {
      const privacy = privacyOf(request.query, request.headers);
      const { part } = request.query;
      const kind: ExportKind =
        part === 'all' ? 'redcap' : part === 'data' ? 'redcap-data' : 'redcap-dictionary';
      await audit(request, kind, privacy);
      if (part === 'dictionary') {
        const body = Readable.from(redcapDictionaryCsv(database, studyId));
        return download(reply, 'text/csv; charset=utf-8', 'redcap-data-dictionary.csv', body);
      }
      if (part === 'data') {
        const body = Readable.from(redcapDataCsv(database, studyId, { privacy }));
        return download(reply, 'text/csv; charset=utf-8', `redcap-data-${stamp()}.csv`, body);
      }
      const body = Readable.from(
        zipStream([
          { name: 'redcap/data-dictionary.csv', chunks: redcapDictionaryCsv(database, studyId) },
          { name: 'redcap/data.csv', chunks: redcapDataCsv(database, studyId, { privacy }) },
        ]),
      );
      return download(reply, 'application/zip', `redcap-${stamp()}.zip`, body);
    },
  );
}
