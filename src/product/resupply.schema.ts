import { z } from 'zod';

// Resupply by kit (RTSM): payloads shared by the server, the web app and the CLI. Every field here
// names kit types, so only roles that may see arms ever receive them.

const unitRef = z.object({ unitId: z.string(), code: z.string() });

export const resupplyNeedSchema = z.object({
  siteId: z.string(),
  /** Every kit type of the study, each with its stock, what is on its way and the kits to send. */
  kitTypes: z.array(
    z.object({
      kitType: z.string(),
      /** Usable kits at the site: in stock, released, not quarantined, unexpired. */
      usable: z.number().int(),
      /** Kits of this type in shipments to the site that are packed or on the road. */
      incoming: z.number().int(),
      threshold: z.number().int(),
      send: z.number().int(),
      /** The depot's kit numbers proposed for this type (as many as `send`, or fewer when short). */
      kitNumbers: z.array(z.string()),
    }),
  ),
  /** The shipment proposed: from the depot unit that holds every type's quantity, to the site's unit. */
  proposal: z
    .object({
      from: unitRef,
      to: unitRef,
      kitNumbers: z.array(z.string()),
    })
    .nullable(),
  /** Why no shipment can be proposed: the site has no storage unit, or no depot unit holds every type's quantity. */
  problem: z.enum(['no_site_unit', 'depot_short']).nullable(),
});
export const resupplyNeedsSchema = z.array(resupplyNeedSchema);
export type ResupplyNeed = z.infer<typeof resupplyNeedSchema>;

export const resupplyShipmentRequestSchema = z.strictObject({
  siteId: z.string().trim().min(1, { message: 'Name the site to resupply.' }).max(100),
  /** The site's storage unit to ship to; else the one proposed. */
  toUnitId: z.uuid({ message: 'Not a storage unit id.' }).optional(),
  password: z.string().min(1, { message: 'Re-enter your password to sign.' }).max(256),
});
export type ResupplyShipmentRequest = z.infer<typeof resupplyShipmentRequestSchema>;
