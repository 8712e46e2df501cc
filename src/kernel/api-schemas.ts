import { z } from 'zod';
import { errorStatus } from './errors.ts';

const errorCodes = Object.keys(errorStatus) as [keyof typeof errorStatus, ...(keyof typeof errorStatus)[]];

/** The body of every error answer. */
export const errorBodySchema = z.object({
  error: z.enum(errorCodes),
  message: z.string(),
  details: z.unknown().optional(),
});

/**
 * The error answers of a route that reads or changes trial records (a participant's, or the product's
 * lots, vials and shipments): bad input, not signed in, not allowed, not found, a conflict (stale
 * version, wrong state) and locked data.
 */
export const recordErrorResponses = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  423: errorBodySchema,
};
