import { z } from 'zod';
import { fieldInputSchema, plainText } from '../crf/entries.ts';

export const labSexSchema = z.enum(['M', 'F']).nullable();

/** One reference range as the API shows it: in the laboratory's unit and in the item's. */
export const referenceRangeSchema = z.object({
  rangeId: z.string(),
  siteId: z.string(),
  itemKey: z.string(),
  sex: labSexSchema,
  ageLow: z.number().int().nullable(),
  ageHigh: z.number().int().nullable(),
  unit: z.string(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  standardUnit: z.string(),
  standardLow: z.number().nullable(),
  standardHigh: z.number().nullable(),
  importedAt: z.string(),
  importedBy: z.string(),
});
export type ReferenceRangeView = z.infer<typeof referenceRangeSchema>;

export const labItemViewSchema = z.object({
  key: z.string(),
  label: z.object({ en: z.string(), zh: z.string() }),
  unit: z.string(),
  units: z.array(z.string()),
});

export const referenceRangeListSchema = z.object({
  siteId: z.string(),
  items: z.array(labItemViewSchema),
  ranges: z.array(referenceRangeSchema),
});
export type ReferenceRangeList = z.infer<typeof referenceRangeListSchema>;

/** A site's reference ranges as a CSV file (columns item, sex, ageLow, ageHigh, low, high, unit). */
export const rangeImportSchema = z.strictObject({
  csv: z.string().min(1, 'The file is empty.').max(1_000_000, 'A range file is at most 1 MB.'),
  fileName: z.string().max(200).optional(),
});
export type RangeImportRequest = z.infer<typeof rangeImportSchema>;

export const rangeImportResultSchema = referenceRangeListSchema.extend({
  replaced: z.number().int(),
  /** Laboratory values already entered at the site whose flag the new ranges changed (or gave). */
  reflagged: z.number().int(),
});

/** A laboratory value with its flag against the reference range in force when it was saved. */
export const labFlagSchema = z.object({
  recordId: z.string(),
  itemId: z.string(),
  itemKey: z.string(),
  visitKey: z.string(),
  /** The protocol version the value's form record was entered under: its item is named as that version does. */
  protocolVersion: z.number().int(),
  revision: z.number().int(),
  collectedOn: z.string().nullable(),
  value: z.number(),
  unit: z.string(),
  original: z.object({ value: z.number(), unit: z.string() }).nullable(),
  flag: z.enum(['low', 'normal', 'high']).nullable(),
  range: z
    .object({
      rangeId: z.string(),
      unit: z.string(),
      low: z.number().nullable(),
      high: z.number().nullable(),
      standardLow: z.number().nullable(),
      standardHigh: z.number().nullable(),
    })
    .nullable(),
  significance: z
    .object({ significant: z.boolean(), by: z.string(), at: z.string(), comment: z.string().nullable() })
    .nullable(),
});
export type LabFlagView = z.infer<typeof labFlagSchema>;

export const labFlagListSchema = z.object({ flags: z.array(labFlagSchema) });
export type LabFlagList = z.infer<typeof labFlagListSchema>;

/** The investigator's judgement of an out-of-range value, for the revision they looked at. */
export const significanceSchema = z.strictObject({
  revision: z.number().int().min(1),
  significant: z.boolean(),
  comment: z.string().trim().max(1000).optional(),
});
export type SignificanceRequest = z.infer<typeof significanceSchema>;

/** A laboratory adverse event proposed from a graded value (CTCAE v5.0), and what became of it. */
export const labAeProposalSchema = z.object({
  proposalId: z.string(),
  participantId: z.string(),
  recordId: z.string(),
  visitKey: z.string(),
  itemKey: z.string(),
  revision: z.number().int(),
  criterion: z.string(),
  term: z.string(),
  grade: z.number().int(),
  baselineGrade: z.number().int(),
  value: z.number(),
  unit: z.string(),
  baselineValue: z.number().nullable(),
  collectedOn: z.string().nullable(),
  status: z.enum(['proposed', 'accepted', 'dismissed']),
  adverseEventId: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
  proposedAt: z.string(),
});
export type LabAeProposalView = z.infer<typeof labAeProposalSchema>;

export const labAeProposalListSchema = z.object({ proposals: z.array(labAeProposalSchema) });
export type LabAeProposalList = z.infer<typeof labAeProposalListSchema>;

/**
 * Accepting creates the adverse event with the proposal's term and grade; `entries` adds or overrides
 * the event's other items (onset, seriousness, causality, …) as on the adverse-event form.
 */
export const acceptProposalSchema = z.strictObject({
  entries: z.record(z.string().min(1).max(100), fieldInputSchema).default({}),
});
export type AcceptProposalRequest = z.infer<typeof acceptProposalSchema>;

export const dismissProposalSchema = z.strictObject({
  reason: plainText(1000).pipe(z.string().min(1, 'Give the reason the value is not an adverse event.')),
});
export type DismissProposalRequest = z.infer<typeof dismissProposalSchema>;
