import { z } from 'zod';
import { fieldInputSchema, missingReasons, plainId, plainText } from './entries.ts';

const localized = z.object({ en: z.string(), zh: z.string() });

/**
 * The participant must consent again to the consent form version in force: the data were saved, with
 * this warning. Every save of a participant's data answers it (forms, adverse events, doses).
 */
export const reconsentWarningSchema = z
  .object({ versionInForce: z.string(), signedVersion: z.string(), message: localized })
  .nullable();

export const formSlotParamsSchema = z.strictObject({
  participantId: z.uuid({ message: 'Not a participant id.' }),
  visitKey: plainId(100),
  formId: plainId(100),
});

export const instanceQuerySchema = z.strictObject({
  instance: z.coerce.number().int().min(1).max(10_000).default(1),
});

export const saveFormRequestSchema = z.strictObject({
  /** The version you loaded; 0 for a form not saved before. A stale version gets 409 with the current record. */
  version: z.number().int().min(0),
  entries: z.record(plainId(100), fieldInputSchema),
  /** Required when a value saved before is changed. */
  reason: plainText(1000).pipe(z.string().min(1)).optional(),
});
export type SaveFormRequest = z.infer<typeof saveFormRequestSchema>;

export const fieldViewSchema = z.object({
  value: z.unknown(),
  /** A measurement entered in another of its item's units, as entered (`value` is in the item's unit). */
  original: z.object({ value: z.number(), unit: z.string() }).optional(),
  missing: z.enum(missingReasons).optional(),
  missingReason: z.string().optional(),
  revision: z.number().int(),
  verified: z.boolean(),
});

export const queryViewSchema = z.object({
  queryId: z.string(),
  recordId: z.string(),
  participantId: z.string(),
  siteId: z.string(),
  visitKey: z.string(),
  formId: z.string(),
  itemId: z.string(),
  protocolVersion: z
    .number()
    .int()
    .describe(
      'The protocol version the queried record was entered under; its form and item are named as that version names them.',
    ),
  origin: z.enum(['edit_check', 'manual']),
  status: z.enum(['open', 'answered', 'closed']),
  messages: z.array(z.object({ at: z.string(), by: z.string(), kind: z.string(), text: z.string() })),
  raisedAt: z.string(),
  version: z.number().int(),
});
export type QueryView = z.infer<typeof queryViewSchema>;

export const formRecordViewSchema = z.object({
  recordId: z.string().nullable(),
  participantId: z.string(),
  visitKey: z.string(),
  formId: z.string(),
  instance: z.number().int(),
  entries: z.record(z.string(), fieldViewSchema),
  version: z.number().int(),
  protocolVersion: z.number().int(),
  complete: z.boolean(),
  incomplete: z.array(z.string()),
  signed: z.object({ at: z.string(), by: z.string() }).nullable(),
  locked: z.boolean(),
  queries: z.array(queryViewSchema),
});
export type FormRecordView = z.infer<typeof formRecordViewSchema>;

export const saveFormResponseSchema = formRecordViewSchema.extend({
  /** Soft checks that failed: saved, each with an open query. */
  warnings: z.array(z.object({ item: z.string(), message: localized })),
  reconsent: reconsentWarningSchema,
});
export type SaveFormResponse = z.infer<typeof saveFormResponseSchema>;

export const casebookCellSchema = z.object({
  visitKey: z.string(),
  formId: z.string(),
  instance: z.number().int(),
  recordId: z.string(),
  state: z.enum(['incomplete', 'complete', 'queried', 'verified', 'signed', 'locked']),
  openQueries: z.number().int(),
  version: z.number().int(),
});
export type CasebookCell = z.infer<typeof casebookCellSchema>;
export type CellState = CasebookCell['state'];

export const casebookSchema = z.object({
  participantId: z.string(),
  cells: z.array(casebookCellSchema),
});
export type Casebook = z.infer<typeof casebookSchema>;

export const raiseQueryRequestSchema = z.strictObject({
  recordId: z.uuid(),
  itemId: plainId(100),
  text: plainText(2000).pipe(z.string().min(1)),
});
export type RaiseQueryRequest = z.input<typeof raiseQueryRequestSchema>;
export const queryActionRequestSchema = z.strictObject({
  text: plainText(2000).pipe(z.string().min(1)),
  version: z.number().int().min(1),
});
export type QueryActionRequest = z.input<typeof queryActionRequestSchema>;
/**
 * A participant's recorded values keyed by `form.item`, for rules that reach across forms. Each is a
 * rule input value (`RuleInputValue` of protocol/rules/ast.ts), which the answer does not check again.
 */
export const checkValuesSchema = z.object({ values: z.record(z.string(), z.unknown()) });
export const checkValuesQuerySchema = z.strictObject({ visitKey: z.string().min(1).max(100).optional() });
export type CheckValuesView = z.infer<typeof checkValuesSchema>;

export const queryListSchema = z.object({ items: z.array(queryViewSchema), total: z.number().int() });
export type QueryList = z.infer<typeof queryListSchema>;

export const queryListQuerySchema = z.strictObject({
  status: z.enum(['open', 'answered', 'closed']).optional(),
  siteId: plainId(64).optional(),
  participantId: z.uuid().optional(),
  formId: plainId(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const sdvRequestSchema = z.strictObject({
  itemIds: z.array(plainId(100)).min(1).max(500),
});
export type SdvRequest = z.infer<typeof sdvRequestSchema>;
export const sdvResultSchema = z.object({ verified: z.array(z.string()) });
export type SdvResult = z.infer<typeof sdvResultSchema>;

export const signatureResultSchema = z.object({ signatureId: z.string(), meaning: z.string() });
export type SignatureResult = z.infer<typeof signatureResultSchema>;
export const casebookSignatureResultSchema = signatureResultSchema.extend({ forms: z.number().int() });
export type CasebookSignatureResult = z.infer<typeof casebookSignatureResultSchema>;
export const lockRequestSchema = z.strictObject({
  reason: plainText(1000).pipe(z.string().min(1)).optional(),
});
export const unlockRequestSchema = z.strictObject({
  reason: plainText(1000).pipe(z.string().min(1, { message: 'Give the reason for unlocking.' })),
});
