import { z } from 'zod';

const challengeAnswer = z.enum(['yes', 'no', 'not-applicable']);

export const narrativeSaveSchema = z.strictObject({
  narrative: z
    .string()
    .trim()
    .min(20, { message: 'Write the narrative (at least 20 characters).' })
    .max(20_000, {
      message: 'Keep the narrative under 20,000 characters; attach longer documents separately.',
    }),
  /** Null: as derived from the dosing record. */
  dechallenge: challengeAnswer.nullable().default(null),
  rechallenge: challengeAnswer.nullable().default(null),
  reason: z.string().trim().max(500).optional(),
  /** The revision this edit starts from (0 when none was saved): a newer one is a 409, not an overwrite. */
  baseRevision: z.number().int().min(0),
});
export type NarrativeSave = z.infer<typeof narrativeSaveSchema>;

export const narrativeRevisionSchema = z.object({
  revision: z.number().int(),
  narrative: z.string(),
  dechallenge: challengeAnswer.nullable(),
  rechallenge: challengeAnswer.nullable(),
  reason: z.string().nullable(),
  savedAt: z.string(),
  savedByName: z.string(),
});
export type NarrativeRevision = z.infer<typeof narrativeRevisionSchema>;

const finding = z.object({
  answer: challengeAnswer.nullable(),
  basis: z.object({ en: z.string(), zh: z.string() }),
});

export const narrativeViewSchema = z.object({
  aeId: z.string(),
  /** The narrative drafted from the data as they stand now, in both languages. */
  draft: z.object({ en: z.string(), zh: z.string() }),
  /** Dechallenge and rechallenge as the dosing record shows them (null answer: not known from the data). */
  derived: z.object({ dechallenge: finding, rechallenge: finding }),
  /** Every saved revision, newest first. */
  revisions: z.array(narrativeRevisionSchema),
});
export type NarrativeView = z.infer<typeof narrativeViewSchema>;
