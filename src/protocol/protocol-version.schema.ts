import { z } from 'zod';

// The protocol API's payloads, shared by its routes and the web app.

const MAX_SOURCE = 2_000_000;

export const protocolVersionSummarySchema = z.object({
  versionNo: z.number().int(),
  label: z.string(),
  loadedAt: z.string(),
  loadedBy: z.string().nullable(),
  loadedByName: z.string().nullable(),
  current: z.boolean(),
});
export type ProtocolVersionSummary = z.infer<typeof protocolVersionSummarySchema>;

/**
 * One version with its protocol. The protocol was validated when it was loaded, so the answer does
 * not check it again; it is the `Protocol` of `./schema.ts`.
 */
export const protocolVersionSchema = z.object({
  versionNo: z.number().int(),
  label: z.string(),
  protocol: z.record(z.string(), z.unknown()),
});
export type ProtocolVersion = z.infer<typeof protocolVersionSchema>;

export const protocolVersionParamsSchema = z.strictObject({
  versionNo: z.coerce.number().int().min(1).max(100_000),
});

export const protocolValidateRequestSchema = z.strictObject({ source: z.string().max(MAX_SOURCE) });

export const protocolValidationSchema = z.object({
  ok: z.boolean(),
  problems: z.array(z.object({ path: z.string(), line: z.number().int().optional(), message: z.string() })),
});
export type ProtocolValidation = z.infer<typeof protocolValidationSchema>;

export const amendmentRequestSchema = z.strictObject({
  source: z.string().min(1).max(MAX_SOURCE),
  reason: z.string().trim().min(1, { message: 'Give the reason for the amendment.' }).max(1000),
});
export type AmendmentRequest = z.infer<typeof amendmentRequestSchema>;
