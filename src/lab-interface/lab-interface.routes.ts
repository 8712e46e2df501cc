import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordErrorResponses as errors } from '../kernel/api-schemas.ts';
import { sessionOf } from '../kernel/authentication.ts';
import type { Caller } from '../kernel/caller.ts';
import type { App, AppContext } from '../kernel/context.ts';
import { DomainError } from '../kernel/errors.ts';
import { authorize } from '../kernel/permissions.ts';
import { hospitalIdFor, setHospitalId } from '../participants/hospital-id.service.ts';
import { findParticipant } from '../participants/participant.queries.ts';
import { buildAck } from './hl7-ack.ts';
import {
  assignRequestSchema,
  dismissRequestSchema,
  hospitalIdRequestSchema,
  labFacilitiesBySiteSchema,
  labFacilitiesSchema,
  labResultListSchema,
  labResultViewSchema,
  receiptSchema,
  receiveQuerySchema,
  reviewListQuerySchema,
} from './lab-interface.schema.ts';
import { type IncomingMessage, type ReceiptOutcome, receiveLabMessage } from './lab-message.service.ts';
import { assignLabResult, dismissLabResult, listLabResults } from './lab-review.service.ts';
import { decodeMessage } from './message-text.ts';
import { labFacilitiesBySite, setLabFacilities } from './sending-facility.service.ts';

const hl7Types = ['application/hl7-v2', 'x-application/hl7-v2+er7', 'text/plain'];
const fhirTypes = ['application/fhir+json', 'application/json'];
const resultParams = z.strictObject({ resultId: z.uuid({ message: 'Not a laboratory result id.' }) });
const participantParams = z.strictObject({ participantId: z.string().min(1).max(64) });
const tags = ['laboratory'];

/** A message the interface does not take is bad input: 400 with the reason, the receipt in the details. */
function answer(receipt: ReceiptOutcome, ack?: string) {
  if (receipt.ackCode === 'AA') return { ...receipt, ...(ack ? { ack } : {}) };
  throw new DomainError('validation_failed', receipt.text, { ...receipt, ...(ack ? { ack } : {}) });
}

/**
 * Laboratory results from hospital systems (HL7 v2 ORU^R01 as text, a FHIR R4 Bundle as JSON), the
 * review queue of results that could not be placed, and a participant's hospital identifier.
 */
export function labInterfaceRoutes(app: App, context: AppContext): void {
  const { database } = context;
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // The message is stored exactly as received: the body is kept as its bytes, JSON included, and
    // taken only when they are text that can be stored as they are (message-text.ts).
    scope.removeContentTypeParser(['application/json', 'text/plain']);
    scope.addContentTypeParser([...hl7Types, ...fhirTypes], { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    const textOf = (body: unknown): string => {
      const decoded = Buffer.isBuffer(body) ? decodeMessage(body) : null;
      if (decoded && !decoded.ok) throw new DomainError('validation_failed', decoded.problem);
      if (!decoded || decoded.text.trim() === '') {
        throw new DomainError('validation_failed', 'Send the message as the request body.');
      }
      return decoded.text;
    };
    const receive = async (
      incoming: Omit<IncomingMessage, 'raw' | 'siteId'>,
      caller: Caller,
      request: { body: unknown; query: { site?: string } },
    ) =>
      receiveLabMessage(database, context.studyId, caller, {
        ...incoming,
        raw: textOf(request.body),
        ...(request.query.site ? { siteId: request.query.site } : {}),
      });
    scope.post(
      '/lab-messages/hl7',
      {
        config: { permission: 'crf.import' },
        schema: {
          tags,
          summary:
            "Receive an HL7 v2.5 ORU^R01 message sent as the body (application/hl7-v2 or text/plain): stored as received, each result written to the visit whose window holds its collection time or put in the review queue. The message belongs to the site that lists its sending facility (MSH-4), or to the site given as `site`; its patients are matched among that site's participants. The answer carries the HL7 ACK; a message not taken answers 400 with the ACK (AE or AR) in the details. A control id received before changes nothing",
          querystring: receiveQuerySchema,
          response: { 200: receiptSchema, ...errors },
        },
      },
      async (request) => {
        const receipt = await receive({ format: 'hl7v2', source: 'api' }, sessionOf(request), request);
        const ack = buildAck(textOf(request.body), {
          code: receipt.ackCode,
          controlId: receipt.controlId,
          text: receipt.ackCode === 'AA' ? undefined : receipt.text,
          at: new Date(),
          ackControlId: `ACK-${receipt.messageId}`,
        });
        return answer(receipt, ack);
      },
    );
    scope.post(
      '/lab-messages/fhir',
      {
        config: { permission: 'crf.import' },
        schema: {
          tags,
          summary:
            "Receive a FHIR R4 Bundle of Observations (and DiagnosticReports, Patients, Organizations) as the body (application/fhir+json): LOINC in Observation.code, valueQuantity with its UCUM unit, effectiveDateTime, subject by identifier. The bundle belongs to the site that lists its performer's identifier as a sending facility, or to the site given as `site`. Stored as received; Bundle.identifier names it on re-delivery",
          querystring: receiveQuerySchema,
          response: { 200: receiptSchema, ...errors },
        },
      },
      async (request) =>
        answer(await receive({ format: 'fhir', source: 'api' }, sessionOf(request), request)),
    );
  });

  app.get(
    '/lab-results',
    {
      config: { permission: 'lab.review' },
      schema: {
        tags,
        summary:
          'Results of laboratory messages by status; `review` (the default) is the queue of results waiting for a person, each with the reason',
        querystring: reviewListQuerySchema,
        response: { 200: labResultListSchema, ...errors },
      },
    },
    async (request) => ({
      results: await listLabResults(database, context.studyId, sessionOf(request), request.query),
    }),
  );

  app.post(
    '/lab-results/:resultId/assign',
    {
      config: { permission: 'lab.review' },
      schema: {
        tags,
        summary:
          'Send a waiting result to a participant (and a visit, instance or item where needed), with the reason: written through the form writer, audited with the message id and the reason',
        params: resultParams,
        body: assignRequestSchema,
        response: { 200: labResultViewSchema, ...errors },
      },
    },
    async (request) =>
      assignLabResult(database, context.studyId, sessionOf(request), request.params.resultId, request.body),
  );

  app.post(
    '/lab-results/:resultId/dismiss',
    {
      config: { permission: 'lab.review' },
      schema: {
        tags,
        summary: 'Set a waiting result aside with the reason (audited; the result and its message are kept)',
        params: resultParams,
        body: dismissRequestSchema,
        response: { 200: labResultViewSchema, ...errors },
      },
    },
    async (request) =>
      dismissLabResult(
        database,
        context.studyId,
        sessionOf(request),
        request.params.resultId,
        request.body.reason,
      ),
  );

  app.get(
    '/lab-facilities',
    {
      config: { permission: 'study.read' },
      schema: {
        tags,
        summary:
          "Each site's laboratory sending-facility identifiers (HL7 MSH-4, a FHIR performer's identifier), by site id",
        response: { 200: labFacilitiesBySiteSchema, ...errors },
      },
    },
    async () => ({ sites: await database.read((db) => labFacilitiesBySite(db, context.studyId)) }),
  );

  app.put(
    '/sites/:siteId/lab-facilities',
    {
      config: { permission: 'site.manage', siteParam: 'siteId' },
      schema: {
        tags,
        summary:
          "Replace a site's list of laboratory sending-facility identifiers: messages naming one belong to the site, and their patients are matched among its participants. A facility belongs to one site (409 otherwise); audited",
        params: z.strictObject({ siteId: z.string().min(1).max(64) }),
        body: labFacilitiesSchema,
        response: { 200: z.object({ facilityIds: z.array(z.string()) }), ...errors },
      },
    },
    async (request) => ({
      facilityIds: await database.transaction((trx) =>
        setLabFacilities(
          trx,
          context.studyId,
          sessionOf(request),
          request.params.siteId,
          request.body.facilityIds,
        ),
      ),
    }),
  );

  app.get(
    '/participants/:participantId/hospital-id',
    {
      config: { permission: 'participant.screen' },
      schema: {
        tags,
        summary:
          "A participant's hospital identifier (medical record number), for the staff of the participant's site",
        params: participantParams,
        response: { 200: z.object({ hospitalId: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const caller = sessionOf(request);
      return database.read(async (db) => {
        const participant = await findParticipant(db, context.studyId, request.params.participantId);
        authorize(caller.user, 'participant.screen', { siteId: participant.site_id });
        return {
          hospitalId: await hospitalIdFor(db, context.studyId, caller, {
            participantId: participant.participant_id,
            siteId: participant.site_id,
          }),
        };
      });
    },
  );

  app.put(
    '/participants/:participantId/hospital-id',
    {
      config: { permission: 'participant.screen' },
      schema: {
        tags,
        summary:
          "Record or change a participant's hospital identifier (unique at the site; a change needs a reason), audited",
        params: participantParams,
        body: hospitalIdRequestSchema,
        response: { 200: z.object({ hospitalId: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      await setHospitalId(
        database,
        context.studyId,
        sessionOf(request),
        request.params.participantId,
        request.body,
      );
      return { hospitalId: request.body.hospitalId };
    },
  );
}
