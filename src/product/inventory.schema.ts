import { z } from 'zod';
import { storageUnitViewSchema } from './product.schema.ts';

// Payloads of the inventory dashboard and the label PDF, shared by the server and the web app.

export const inventoryQuerySchema = z.strictObject({
  /** Vials whose use-by falls within this many days count as soon to expire. */
  expiringWithinDays: z.coerce
    .number({ message: 'Give the expiry horizon as a number of days.' })
    .int({ message: 'Give the expiry horizon as a whole number of days.' })
    .min(1, { message: 'The expiry horizon is at least 1 day.' })
    .max(365, { message: 'The expiry horizon is at most 365 days.' })
    .default(30),
});

export const stateCountsSchema = z.object({
  in_stock: z.number().int(),
  in_transit: z.number().int(),
  dispensed: z.number().int(),
  /** Dispensed, then brought back unused. */
  returned: z.number().int(),
  destroyed: z.number().int(),
  lost: z.number().int(),
});
export type StateCounts = z.infer<typeof stateCountsSchema>;

export const inventoryCountsSchema = z.object({
  byState: stateCountsSchema,
  /** In stock, released, not quarantined, before its use-by: what can be dispensed. */
  available: z.number().int(),
  quarantined: z.number().int(),
  /** Held (in stock or in transit) with a use-by within the horizon. */
  expiringSoon: z.number().int(),
  /** Held past its use-by (shelf expiry or thaw-to-use window): to be destroyed. */
  expired: z.number().int(),
  /** Held, of a lot pending release or rejected. */
  notReleased: z.number().int(),
  /** The earliest use-by among held vials not yet expired. */
  nextUseBy: z.string().nullable(),
});
export type InventoryCounts = z.infer<typeof inventoryCountsSchema>;

export const inventoryViewSchema = z.object({
  asOf: z.string(),
  expiringWithinDays: z.number().int(),
  expiringBefore: z.string(),
  /** One entry per site (siteId null: the central depot and vials on the road). */
  sites: z.array(inventoryCountsSchema.extend({ siteId: z.string().nullable() })),
  units: z.array(
    storageUnitViewSchema.extend(inventoryCountsSchema.shape).extend({
      excursionsAwaitingDisposition: z.number().int(),
    }),
  ),
  lots: z.array(
    inventoryCountsSchema.extend({
      lotId: z.string(),
      lotNumber: z.string(),
      status: z.enum(['pending', 'released', 'rejected']),
      manufacturedOn: z.string(),
      vialCount: z.number().int(),
      releasedAt: z.string().nullable(),
    }),
  ),
});
export type InventoryView = z.infer<typeof inventoryViewSchema>;

export const labelSymbologies = ['datamatrix', 'qrcode'] as const;
export const labelLayouts = ['sheet', 'roll'] as const;

export const labelQuerySchema = z
  .strictObject({
    lotId: z.uuid({ message: 'Not a lot id.' }).optional(),
    /** Vial codes, separated by commas. */
    codes: z
      .string()
      .trim()
      .min(1, { message: 'Name at least one vial code.' })
      .max(20_000)
      .transform((text) => [...new Set(text.split(',').map((code) => code.trim()))].filter(Boolean))
      .optional(),
    symbology: z.enum(labelSymbologies).default('datamatrix'),
    /** `sheet`: A4 sheets of 3 × 8 labels (63.5 × 33.9 mm); `roll`: one 50 × 25 mm label per page. */
    layout: z.enum(labelLayouts).default('sheet'),
  })
  .refine((query) => (query.lotId === undefined) !== (query.codes === undefined), {
    path: ['lotId'],
    message: 'Give either lotId (every vial of a lot) or codes (vial codes separated by commas), not both.',
  })
  .refine((query) => !query.codes || query.codes.length > 0, {
    path: ['codes'],
    message: 'Name at least one vial code.',
  })
  .refine((query) => !query.codes || query.codes.length <= 1000, {
    path: ['codes'],
    message: 'Print at most 1000 labels at a time.',
  });
export type LabelQuery = z.infer<typeof labelQuerySchema>;
