import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema, recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { DomainError } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { currentProtocol } from '../study/protocol-store.ts';
import { type ColumnMapping, parseMapping } from './column-mapping.ts';
import { importQuerySchema, importResultSchema } from './import.schema.ts';
import { importFormDataFile } from './import-file.ts';
import { UnreadableSource } from './import-row.ts';
import { csvTemplate } from './template.ts';
import { templateParticipants } from './template-participants.ts';

/** An upload larger than this is refused (413): a study's data, not a disk image. */
const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

const uploadTypes = [
  'text/csv',
  'text/plain',
  'application/xml',
  'text/xml',
  'application/octet-stream',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
];

function mappingOf(text: string | undefined): ColumnMapping | undefined {
  if (text === undefined) return undefined;
  try {
    return parseMapping(text);
  } catch (error) {
    if (!(error instanceof UnreadableSource)) throw error;
    throw new DomainError('validation_failed', error.message, {
      fields: [{ field: 'mapping', message: error.message }],
    });
  }
}

/** The request body copied to a private temporary file (the import reads a file twice: hash, rows). */
async function keepUpload(body: Readable, folder: string): Promise<string> {
  const path = join(folder, 'upload');
  let bytes = 0;
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_UPLOAD_BYTES) {
      body.destroy(
        new DomainError('payload_too_large', `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`),
      );
    }
  });
  await pipeline(body, createWriteStream(path, { mode: 0o600 }));
  return path;
}

/**
 * Form data from a file, sent as the request body (CSV, XLSX or ODM XML): a dry run answers what the
 * import would do; the import itself writes it all or nothing. Data managers only (crf.import).
 */
export function importRoutes(app: App, context: AppContext): void {
  const { database } = context;
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(uploadTypes, (_request, payload, done) => done(null, payload));
    scope.post(
      '/imports/form-data',
      {
        config: { permission: 'crf.import' },
        schema: {
          tags: ['exchange'],
          summary:
            'Import form data from a file sent as the body (format csv, xlsx or odm; by default from fileName). Every value goes through the checks of data entry and the form writer (audited "imported from FILE (sha-256 …)", edit-check queries opened). A file with problems imports nothing and answers 400 with every problem by line, unless skipBadRows=true. dryRun=true answers the problems and the changes, writing nothing. Locked or signed records are refused unless overrideLocked gives the reason',
          querystring: importQuerySchema,
          response: { 200: importResultSchema, ...errors, 413: errorBodySchema, 415: errorBodySchema },
        },
      },
      async (request, reply) => {
        const caller = sessionOf(request);
        authorize(caller.user, 'crf.import');
        const body = request.body as Readable | undefined;
        if (!body || typeof body[Symbol.asyncIterator] !== 'function') {
          return reply.status(415).send({
            error: 'unsupported_media_type',
            message:
              'Send the file as the request body (Content-Type text/csv, application/xml or the XLSX type).',
          });
        }
        const { query } = request;
        const mapping = mappingOf(query.mapping);
        const folder = await mkdtemp(join(tmpdir(), 'exotrial-import-'));
        try {
          const path = await keepUpload(body, folder);
          const result = await importFormDataFile(database, context.studyId, caller, path, {
            fileName: query.fileName,
            format: query.format,
            mapping,
            dryRun: query.dryRun,
            skipBadRows: query.skipBadRows,
            overrideLocked: query.overrideLocked,
          });
          return reply.status(200).send(result);
        } finally {
          await rm(folder, { recursive: true, force: true });
        }
      },
    );
    scope.get(
      '/imports/form-data/template',
      {
        config: { permission: 'crf.import' },
        schema: {
          tags: ['exchange'],
          summary:
            'A CSV template for the form data import: participant, visit, instance and one column per item (form.item) of the visits, a line per participant and visit, values blank',
          querystring: z.strictObject({ visit: z.string().min(1).max(100).optional() }),
          response: { 200: z.string(), ...errors },
        },
      },
      async (request, reply) => {
        authorize(sessionOf(request).user, 'crf.import');
        const text = await database
          .read(async (db) => {
            const { protocol } = await currentProtocol(db, context.studyId);
            return csvTemplate(
              protocol,
              await templateParticipants(db, context.studyId),
              request.query.visit,
            );
          })
          .catch((error: unknown) => {
            if (!(error instanceof UnreadableSource)) throw error;
            throw new DomainError('validation_failed', error.message, {
              fields: [{ field: 'visit', message: error.message }],
            });
          });
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="form-data-template.csv"')
          .send(text);
      },
    );
  });
}
