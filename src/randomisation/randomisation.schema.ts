import { z } from 'zod';

/** A seed: a whole number the statistician records (and keeps with the trial master file). */
export const seedSchema = z
  .number({ error: 'The seed is a whole number, e.g. 20261205.' })
  .int('The seed is a whole number, e.g. 20261205.')
  .min(0, 'The seed is 0 or more.')
  .max(2_147_483_647, 'The seed is at most 2147483647.');

export const generateListRequestSchema = z.strictObject({ seed: seedSchema });

/** Sealing names the hash the statistician checked, so a list regenerated meanwhile is not sealed unseen. */
export const sealListRequestSchema = z.strictObject({
  listHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'The list hash is 64 hexadecimal characters, as the list shows it.'),
});

const person = z.object({ name: z.string(), at: z.iso.datetime() });

/** What every reader of the study may know about randomisation: whether it is ready, never the arms or the seed. */
export const randomisationStatusSchema = z.object({
  method: z.enum(['permuted-blocks', 'minimisation']).nullable(),
  /** none: the protocol does not randomise; missing: no list yet; generated: waiting to be sealed. */
  status: z.enum(['none', 'missing', 'generated', 'sealed']),
  listHash: z.string().nullable(),
  entryCount: z.number().int(),
  strata: z.array(z.string()),
  allocations: z.number().int(),
  generated: person.nullable(),
  sealed: person.nullable(),
});

export const listEntrySchema = z.object({
  stratum: z.string(),
  sequence: z.number().int(),
  block: z.number().int(),
  blockSize: z.number().int(),
  arm: z.string(),
  randomisationNumber: z.string(),
  /** Whether a participant took the entry (at any site). */
  taken: z.boolean(),
  /** The study number of the participant who took it, when the reader sees that participant's site. */
  allocatedTo: z.string().nullable(),
});

/** The list itself, for unblinded roles only: the seed, every entry and its arm, and whether it still matches its hash. */
export const randomisationListSchema = randomisationStatusSchema.extend({
  seed: z.number().int(),
  hashMatches: z.boolean(),
  entries: z.array(listEntrySchema),
  /** Minimisation: the allocations made, in order, with their arms. */
  allocationsMade: z.array(
    z.object({
      sequence: z.number().int(),
      randomisationNumber: z.string(),
      stratum: z.string(),
      arm: z.string(),
      studyNumber: z.string().nullable(),
    }),
  ),
});

const unblindingRecord = z.object({ name: z.string(), at: z.iso.datetime(), reason: z.string() });

/** A participant's allocation: the arm only for roles that may see it; the emergency unblindings (never the arm) for all. */
export const allocationViewSchema = z.object({
  randomisationNumber: z.string(),
  stratum: z.string(),
  allocatedAt: z.iso.datetime(),
  arm: z.string().optional(),
  unblindings: z.array(unblindingRecord),
});

const reason = z
  .string({ error: 'Give the reason for unblinding.' })
  .trim()
  .min(1, 'Give the reason for unblinding.')
  .max(2000, 'The reason is at most 2000 characters.');

export const studyUnblindRequestSchema = z.strictObject({ reason });

/** The study's unblinding at database lock, or null while the study is blind. */
export const studyUnblindingViewSchema = z.object({ unblinded: unblindingRecord.nullable() });

/** Emergency unblinding: why, and the investigator's password again (with the TOTP code if they use one). */
export const emergencyUnblindRequestSchema = z.strictObject({
  reason,
  password: z.string({ error: 'Enter your password again.' }).min(1, 'Enter your password again.'),
  code: z
    .string()
    .regex(/^\d{6}$/, 'The code is the 6 digits your authenticator app shows.')
    .optional(),
});

/** What the investigator learns: the participant's arm. */
export const emergencyUnblindingSchema = z.object({
  unblindingId: z.uuid(),
  unblindedAt: z.iso.datetime(),
  randomisationNumber: z.string(),
  arm: z.string(),
});

export type RandomisationStatus = z.infer<typeof randomisationStatusSchema>;
export type RandomisationListView = z.infer<typeof randomisationListSchema>;
export type AllocationView = z.infer<typeof allocationViewSchema>;
export type GenerateListRequest = z.infer<typeof generateListRequestSchema>;
export type SealListRequest = z.infer<typeof sealListRequestSchema>;
export type StudyUnblindRequest = z.infer<typeof studyUnblindRequestSchema>;
export type StudyUnblindingView = z.infer<typeof studyUnblindingViewSchema>;
export type EmergencyUnblindRequest = z.infer<typeof emergencyUnblindRequestSchema>;
export type EmergencyUnblinding = z.infer<typeof emergencyUnblindingSchema>;
