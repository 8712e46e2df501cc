import { z } from 'zod';
import { errorStatus } from './errors.ts';

const errorCodes = Object.keys(errorStatus) as [keyof typeof errorStatus, ...(keyof typeof errorStatus)[]];

/** The body of every error answer. */
export const errorBodySchema = z.object({
  error: z.enum(errorCodes),
  message: z.string(),
  details: z.unknown().optional(),
});
