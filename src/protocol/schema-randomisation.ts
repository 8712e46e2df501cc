import { z } from 'zod';
import { slugSchema } from './schema-parts.ts';

// The randomisation section of a protocol: how participants are allocated to the design's arms.
// Cross-document rules (arms named by the ratio, block sizes against the ratio, items that exist)
// live in validate-randomisation.ts.

const levelValueSchema = z.union([z.string().min(1), z.boolean(), z.number()]);

/** A stratification (or minimisation) factor: the participant's site, or a screening item mapped to levels. */
const factorSchema = z.discriminatedUnion('source', [
  z.strictObject({
    id: slugSchema,
    source: z.literal('site'),
    /** Minimisation only: how much an imbalance in this factor counts. */
    weight: z.number().positive().default(1),
  }),
  z.strictObject({
    id: slugSchema,
    source: z.literal('item'),
    /** The screening or eligibility item read at allocation, as `form.item`. */
    item: z.string().regex(/^[A-Za-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9]*$/, 'an item as form.item'),
    /** Each level takes the item's values listed under it; a value in no level cannot be allocated. */
    levels: z
      .array(z.strictObject({ id: slugSchema, values: z.array(levelValueSchema).min(1) }))
      .min(2, 'a factor needs at least two levels'),
    weight: z.number().positive().default(1),
  }),
]);

/** Allocation ratio: arm id → its share, e.g. { active: 2, placebo: 1 }. */
const ratioSchema = z.record(slugSchema, z.number().int().positive().max(20));

const permutedBlocksSchema = z.strictObject({
  method: z.literal('permuted-blocks'),
  ratio: ratioSchema,
  /** Each block's size is drawn from this list at random; every size is a multiple of the ratio's sum. */
  blockSizes: z.array(z.number().int().positive().max(100)).min(1),
  /** Factors whose levels (crossed) make the strata; each stratum has its own list. Empty: one list. */
  stratification: z.array(factorSchema).default([]),
  /** Entries generated per stratum when the list is generated (rounded up to whole blocks). */
  entriesPerStratum: z.number().int().positive().max(10_000),
});

const minimisationSchema = z.strictObject({
  method: z.literal('minimisation'),
  ratio: ratioSchema,
  /** Pocock–Simon factors; their weights sum the per-factor imbalances. */
  stratification: z.array(factorSchema).min(1, 'minimisation needs at least one factor'),
  /** Range (max − min) or variance of the arms' counts, each count divided by the arm's ratio share. */
  imbalance: z.enum(['range', 'variance']),
  /** The random element: the arm that minimises imbalance is taken with this probability. */
  preferredArmProbability: z.number().gt(0.5).max(1),
});

export const randomisationSchema = z.discriminatedUnion('method', [permutedBlocksSchema, minimisationSchema]);

export type RandomisationDesign = z.infer<typeof randomisationSchema>;
export type StratificationFactor = RandomisationDesign['stratification'][number];
