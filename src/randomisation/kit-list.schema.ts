import { z } from 'zod';
import { seedSchema } from './randomisation.schema.ts';

/**
 * A tenth of the kit numbers (K-100000 … K-999999, src/randomisation/kit-list.ts) at most, so that a
 * kit number cannot be guessed from the ones seen. Here, with no server code, for the web app to read.
 */
export const MAX_KITS = 90_000;

export const generateKitListRequestSchema = z.strictObject({
  seed: seedSchema,
  kitCount: z
    .number({ error: 'The number of kits is a whole number, e.g. 300.' })
    .int('The number of kits is a whole number, e.g. 300.')
    .min(1, 'List at least one kit.')
    .max(MAX_KITS, `At most ${MAX_KITS} kits a list.`),
});

export const sealKitListRequestSchema = z.strictObject({
  listHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'The list hash is 64 hexadecimal characters, as the kit list shows it.'),
});

const person = z.object({ name: z.string(), at: z.iso.datetime() });

/** What every reader may know of the kit list: whether it is ready, never a kit's type or the seed. */
export const kitListStatusSchema = z.object({
  /** none: the protocol has no kit types; missing: no list yet; generated: waiting to be sealed. */
  status: z.enum(['none', 'missing', 'generated', 'sealed']),
  listHash: z.string().nullable(),
  kitCount: z.number().int(),
  generated: person.nullable(),
  sealed: person.nullable(),
  /** The sealed blocks that extended the list (kitCount counts them too), first to last. */
  blocks: z.array(
    z.object({ block: z.number().int(), kitCount: z.number().int(), listHash: z.string(), sealed: person }),
  ),
});

/** The kit list itself, for roles that may see arms: the seed and every kit's type, and which vial carries it. */
export const extendKitListRequestSchema = generateKitListRequestSchema;

/** A page of the kit list, in list order (sequence). */
export const kitListQuerySchema = z.strictObject({
  limit: z.coerce
    .number({ error: 'limit is a whole number of kits, 1 to 500.' })
    .int('limit is a whole number of kits, 1 to 500.')
    .min(1, 'limit is at least 1.')
    .max(500, 'limit is at most 500 kits a page.')
    .default(100)
    .describe('kits per page, 1 to 500 (default 100)'),
  offset: z.coerce
    .number({ error: 'offset is a whole number of kits to skip, 0 or more.' })
    .int('offset is a whole number of kits to skip, 0 or more.')
    .min(0, 'offset is 0 or more.')
    .max(10_000_000, 'offset is at most 10,000,000.')
    .default(0)
    .describe('kits to skip, in list order (default 0)'),
});
export type KitListQuery = z.infer<typeof kitListQuerySchema>;

export const kitListSchema = kitListStatusSchema.extend({
  seed: z.number().int(),
  /** Whether every block's stored kits still give its sealed (or generated) hash: checked over the whole list. */
  hashMatches: z.boolean(),
  /** Kits in the whole list; `kits` holds the page from `offset`, at most `limit` of them. */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  kits: z.array(
    z.object({
      sequence: z.number().int(),
      /** 0: the list as first sealed; 1, 2 …: the blocks that extend it. */
      block: z.number().int(),
      kitNumber: z.string(),
      kitType: z.string(),
      /** The lot whose vial carries this kit number, once one does. */
      lotNumber: z.string().nullable(),
    }),
  ),
});

export type KitListStatus = z.infer<typeof kitListStatusSchema>;
export type KitListView = z.infer<typeof kitListSchema>;

export type GenerateKitListRequest = z.infer<typeof generateKitListRequestSchema>;
export type SealKitListRequest = z.infer<typeof sealKitListRequestSchema>;
