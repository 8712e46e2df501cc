import { z } from 'zod';
import { plainText } from '../crf/entries.ts';

export const receiptSchema = z.object({
  ackCode: z.enum(['AA', 'AE', 'AR']),
  messageId: z.string(),
  controlId: z.string().nullable(),
  duplicate: z.boolean(),
  written: z.number().int(),
  review: z.number().int(),
  text: z.string(),
  /** The HL7 acknowledgement, for an HL7 message. */
  ack: z.string().optional(),
});

export const reviewProblems = [
  'unknown_identifier',
  'ambiguous_identifier',
  'unknown_loinc',
  'ambiguous_loinc',
  'not_a_number',
  'unit',
  'no_collection_time',
  'no_visit_window',
  'ambiguous_visit',
  'other_sample',
  'different_value',
  'locked',
  'refused',
] as const;

export const labResultViewSchema = z.object({
  resultId: z.string(),
  messageId: z.string(),
  controlId: z.string().nullable(),
  source: z.string(),
  receivedAt: z.string(),
  seq: z.number().int(),
  /** Shown to the staff of the result's site (its participant's, else its laboratory's); null to others. */
  hospitalId: z.string().nullable(),
  loinc: z.string(),
  testName: z.string().nullable(),
  value: z.string(),
  unit: z.string().nullable(),
  collectedAt: z.string().nullable(),
  participantId: z.string().nullable(),
  participant: z.string().nullable(),
  siteId: z.string().nullable(),
  status: z.enum(['written', 'review', 'assigned', 'dismissed']),
  problem: z.enum(reviewProblems).nullable(),
  problemText: z.string().nullable(),
  visitKey: z.string().nullable(),
  item: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
});
export type LabResultView = z.infer<typeof labResultViewSchema>;

export const labResultListSchema = z.object({ results: z.array(labResultViewSchema) });
export type LabResultList = z.infer<typeof labResultListSchema>;

export const reviewListQuerySchema = z.strictObject({
  status: z.enum(['review', 'written', 'assigned', 'dismissed']).default('review'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const reason = plainText(1000).pipe(z.string().min(1, { message: 'Give the reason.' }));

export const assignRequestSchema = z.strictObject({
  /** The participant by id, or by study or screening number. */
  participant: plainText(100).pipe(z.string().min(1, { message: 'Choose the participant.' })),
  visitKey: plainText(100).optional(),
  instance: z.number().int().min(1).optional(),
  /** `form.item`, when the result's LOINC code names no item of the protocol. */
  item: plainText(200).optional(),
  reason,
});
export type AssignRequest = z.infer<typeof assignRequestSchema>;

export const dismissRequestSchema = z.strictObject({ reason });
export type DismissRequest = z.infer<typeof dismissRequestSchema>;

export const hospitalIdRequestSchema = z.strictObject({
  hospitalId: plainText(64).pipe(z.string().trim().min(1, { message: 'Give the medical record number.' })),
  reason: plainText(1000).optional(),
});

/** The site a posted message is from, when its sending facility does not say (or says otherwise). */
export const receiveQuerySchema = z.strictObject({ site: plainText(64).optional() });

/** A site's list of laboratory sending-facility identifiers (HL7 MSH-4, a FHIR performer's identifier). */
export const labFacilitiesSchema = z.strictObject({
  facilityIds: z
    .array(
      plainText(180).pipe(z.string().trim().min(1, { message: 'A facility identifier cannot be empty.' })),
    )
    .max(50, { message: 'List at most 50 facility identifiers.' }),
});
export type LabFacilities = z.infer<typeof labFacilitiesSchema>;
export const labFacilitiesBySiteSchema = z.object({ sites: z.record(z.string(), z.array(z.string())) });
export type LabFacilitiesBySite = z.infer<typeof labFacilitiesBySiteSchema>;
