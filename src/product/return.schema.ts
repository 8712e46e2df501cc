import { z } from 'zod';
import { vialViewSchema } from './product.schema.ts';

// Returns of unused vials: a dispensed vial brought back to the pharmacy without being given.

export const returnRequestSchema = z.strictObject({
  /** What the scanner read from the returned vial's label: it must be the vial of this dispensing. */
  scannedCode: z.string().trim().min(1, { message: 'Scan the returned vial’s label.' }).max(100),
  reason: z
    .string()
    .trim()
    .min(1, { message: 'Say why the vial came back unused (dose not given, thaw window passed, …).' })
    .max(1000),
});
export type ReturnRequest = z.infer<typeof returnRequestSchema>;

export const returnViewSchema = z.object({
  dispensingId: z.string(),
  participantId: z.string(),
  studyNumber: z.string().nullable(),
  visitId: z.string(),
  siteId: z.string(),
  lotNumber: z.string(),
  dispensedAt: z.string(),
  dispensedBy: z.string(),
  returnedAt: z.string(),
  returnedBy: z.string(),
  reason: z.string(),
  /** Whether the thaw-to-use window had already run out when the vial came back. */
  thawWindowPassed: z.boolean(),
  vial: vialViewSchema,
});
export type ReturnView = z.infer<typeof returnViewSchema>;

export const returnListQuerySchema = z.strictObject({
  siteId: z.string().min(1).max(64).optional(),
  /** Only returned vials still waiting for destruction. */
  awaitingDestruction: z.enum(['true', 'false']).optional(),
});
