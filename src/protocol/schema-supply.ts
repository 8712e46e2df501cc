import { z } from 'zod';
import { slugSchema, textSchema } from './schema-parts.ts';

// The supply section of a protocol (RTSM): the kit types that blind the product and when a site is
// resupplied. Cross-document rules (every arm in exactly one kit type, required for a blinded
// randomised design) live in validate-supply.ts.

/** When a site's usable stock of a kit type falls below `threshold`, `quantity` kits of it are sent. */
const resupplySchema = z.strictObject({
  threshold: z.number().int().min(0).max(10_000),
  quantity: z.number().int().positive().max(10_000),
});

const kitTypeSchema = z.strictObject({
  id: slugSchema,
  label: textSchema,
  /** The arms whose participants take kits of this type. */
  arms: z.array(slugSchema).min(1, 'a kit type serves at least one arm'),
  /** This type's own resupply rule; else the section's. */
  resupply: resupplySchema.optional(),
});

export const supplySchema = z.strictObject({
  kitTypes: z.array(kitTypeSchema).min(1, 'list at least one kit type'),
  /** The resupply rule for every kit type that has none of its own. */
  resupply: resupplySchema.optional(),
});

export type SupplyDesign = z.infer<typeof supplySchema>;
export type KitType = SupplyDesign['kitTypes'][number];
