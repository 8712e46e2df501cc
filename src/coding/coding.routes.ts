import { recordErrorResponses } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { App, AppContext } from '../kernel/context.ts';
import {
  codingItemSchema,
  codingListQuerySchema,
  codingListSchema,
  codingParamsSchema,
  codingQuerySchema,
  dictionaryListSchema,
  dictionaryParamsSchema,
  dictionaryVersionSchema,
  importDictionarySchema,
  pickCodeSchema,
  selectVersionSchema,
  termSearchQuerySchema,
  termSearchSchema,
} from './coding.schema.ts';
import {
  dictionaryOverview,
  listCodingItems,
  pickCode,
  raiseCodingQuery,
  searchTerms,
  selectStudyVersion,
} from './coding.service.ts';
import { importUploaded } from './dictionary-upload.ts';

const errors = recordErrorResponses;

export function codingRoutes(app: App, context: AppContext): void {
  const { database } = context;
  const tags = ['coding'];

  app.get(
    '/dictionaries',
    {
      config: { permission: 'study.read' },
      schema: {
        tags,
        summary: 'The coding dictionary versions loaded, and the one the study codes with per dictionary',
        response: { 200: dictionaryListSchema, ...errors },
      },
    },
    async (request) => database.read((db) => dictionaryOverview(db, context.studyId, sessionOf(request))),
  );

  app.post(
    '/dictionaries/:dictionary/versions',
    {
      config: { permission: 'protocol.manage' },
      schema: {
        tags,
        summary:
          'Import a dictionary release from its files (all or nothing); a bad file is named with its line',
        params: dictionaryParamsSchema,
        body: importDictionarySchema,
        response: { 201: dictionaryVersionSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await importUploaded(
            database,
            context.studyId,
            sessionOf(request),
            request.params.dictionary,
            request.body,
          ),
        ),
  );

  app.put(
    '/dictionaries/:dictionary/study-version',
    {
      config: { permission: 'protocol.manage' },
      schema: {
        tags,
        summary: 'Choose the version the study codes with; every term is coded again on it (upgrade)',
        params: dictionaryParamsSchema,
        body: selectVersionSchema,
        response: { 200: dictionaryListSchema, ...errors },
      },
    },
    async (request) =>
      selectStudyVersion(
        database,
        context.studyId,
        sessionOf(request),
        request.params.dictionary,
        request.body,
      ),
  );

  app.get(
    '/coding/items',
    {
      config: { permission: 'coding.code' },
      schema: {
        tags,
        summary:
          "A dictionary's coding queue (or its coded terms), with suggestions and the old code of a term sent back",
        querystring: codingListQuerySchema,
        response: { 200: codingListSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) => listCodingItems(db, context.studyId, sessionOf(request), request.query)),
  );

  app.get(
    '/coding/:dictionary/terms',
    {
      config: { permission: 'coding.code' },
      schema: {
        tags,
        summary: "Search the names of the study's dictionary version (closest first)",
        params: dictionaryParamsSchema,
        querystring: termSearchQuerySchema,
        response: { 200: termSearchSchema, ...errors },
      },
    },
    async (request) =>
      database.read((db) =>
        searchTerms(db, context.studyId, sessionOf(request), request.params.dictionary, request.query.search),
      ),
  );

  app.post(
    '/coding/items/:codingId/code',
    {
      config: { permission: 'coding.code' },
      schema: {
        tags,
        summary: 'Code a term with an LLT or drug code of the study version',
        params: codingParamsSchema,
        body: pickCodeSchema,
        response: { 200: codingItemSchema, ...errors },
      },
    },
    async (request) =>
      pickCode(database, context.studyId, sessionOf(request), request.params.codingId, request.body),
  );

  app.post(
    '/coding/items/:codingId/query',
    {
      config: { permission: 'coding.code' },
      schema: {
        tags,
        summary: 'Ask the site about an unclear verbatim (a query on its field); the term waits in the queue',
        params: codingParamsSchema,
        body: codingQuerySchema,
        response: { 200: codingItemSchema, ...errors },
      },
    },
    async (request) =>
      raiseCodingQuery(database, context.studyId, sessionOf(request), request.params.codingId, request.body),
  );
}
