import { z } from 'zod';

// Payloads of the investigational product API, shared by the server, the web app and the CLI.

const isoDate = z.iso.date({ message: 'Use a date as YYYY-MM-DD.' });
const isoDateTime = z.iso.datetime({
  offset: true,
  message: 'Use a date and time with its zone, as YYYY-MM-DDTHH:MM:SS+08:00 or …Z.',
});
const password = z.string().min(1, { message: 'Re-enter your password to sign.' }).max(256);
const reason = z.string().trim().min(1, { message: 'Give the reason.' }).max(1000);
const version = z.number().int().min(1);
const uuid = (what: string) => z.uuid({ message: `Not a ${what} id.` });

/**
 * The lot a blinded reader sees for every lot of a kit type (src/product/kit-blinding.ts): a lot holds
 * kits of one type, so telling lots apart would tell which kits share an arm.
 */
export const BLINDED_LOT = { lotId: 'blinded', lotNumber: 'Blinded kit lot' } as const;

export const lotRequestSchema = z.strictObject({
  lotNumber: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/, {
      message: 'Use letters, digits and hyphens (up to 40), starting with a letter or digit.',
    }),
  manufacturer: z.string().trim().min(1).max(200),
  manufacturedOn: isoDate,
  concentrationPerMl: z.number().positive({ message: 'Give the label concentration (particles per mL).' }),
  volumeMl: z.number().positive().max(1000),
  vialCount: z.number().int().min(1).max(10_000),
  /** The storage unit the vials are placed in when they arrive. */
  unitId: uuid('storage unit'),
  /** When the vials went into the unit, if before now (registration typed after the fact). */
  receivedAt: isoDateTime.optional(),
  /**
   * A kit study's lot (the protocol has kit types): the kit type its vials are, which an unblinded
   * role names; the vials then take that type's next kit numbers from the sealed kit list as codes.
   */
  kitType: z.string().trim().min(1).max(64).optional(),
});
export type LotRequest = z.infer<typeof lotRequestSchema>;

export const releaseResultsRequestSchema = z.strictObject({
  results: z
    .array(
      z.strictObject({ testId: z.string().min(1).max(64), value: z.union([z.number(), z.string().max(40)]) }),
    )
    .min(1),
  version,
});

export const releaseRequestSchema = z.strictObject({ password, version });
export const rejectRequestSchema = z.strictObject({ password, reason, version });

const judgementSchema = z.object({
  testId: z.string(),
  name: z.object({ en: z.string(), zh: z.string() }),
  value: z.union([z.number(), z.string()]).nullable(),
  pass: z.boolean(),
  message: z.string(),
});

export const lotViewSchema = z.object({
  lotId: z.string(),
  lotNumber: z.string(),
  manufacturer: z.string(),
  manufacturedOn: z.string(),
  concentrationPerMl: z.number(),
  volumeMl: z.number(),
  vialCount: z.number().int(),
  status: z.enum(['pending', 'released', 'rejected']),
  judgements: z.array(judgementSchema),
  releasable: z.boolean(),
  releasedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
  releaseMeaning: z.string().nullable(),
  rejectedReason: z.string().nullable(),
  version: z.number().int(),
  /** The lot's kit type: only for roles that may see arms (and null outside kit studies). */
  kitType: z.string().nullable().optional(),
});
export type LotView = z.infer<typeof lotViewSchema>;

/**
 * The longest silence allowed in a unit's log before it is a data gap; null (the default): three times
 * the median interval of each imported file.
 */
const loggingGapField = {
  maxLoggingGapMinutes: z
    .number()
    .int({ message: 'Give whole minutes.' })
    .min(1, { message: 'Give at least 1 minute, or leave empty for 3× the file’s median interval.' })
    .max(525_600, { message: 'At most a year (525,600 minutes).' })
    .nullable()
    .default(null),
};

export const storageUnitSettingsRequestSchema = z.strictObject({
  ...loggingGapField,
  version,
});
export type StorageUnitSettingsRequest = z.infer<typeof storageUnitSettingsRequestSchema>;

export const storageKinds = ['freezer', 'refrigerator', 'shipping_container', 'room'] as const;

export const storageUnitRequestSchema = z
  .strictObject({
    code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/, { message: 'Use letters, digits and hyphens (up to 40).' }),
    name: z.string().trim().min(1).max(200),
    kind: z.enum(storageKinds),
    siteId: z.string().min(1).max(64).nullable(),
    nominalCelsius: z.number().min(-200).max(100),
    lowCelsius: z.number().min(-200).max(100),
    highCelsius: z.number().min(-200).max(100),
    excursionToleranceMinutes: z.number().int().min(0).max(10_080),
    ...loggingGapField,
  })
  .refine((unit) => unit.lowCelsius < unit.highCelsius, {
    path: ['highCelsius'],
    message: 'The high limit must be above the low limit.',
  })
  .refine((unit) => unit.nominalCelsius >= unit.lowCelsius && unit.nominalCelsius <= unit.highCelsius, {
    path: ['nominalCelsius'],
    message: 'The nominal temperature must be inside the allowed range.',
  });
export type StorageUnitRequest = z.input<typeof storageUnitRequestSchema>;

export const storageUnitViewSchema = z.object({
  unitId: z.string(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(storageKinds),
  siteId: z.string().nullable(),
  nominalCelsius: z.number(),
  lowCelsius: z.number(),
  highCelsius: z.number(),
  excursionToleranceMinutes: z.number().int(),
  maxLoggingGapMinutes: z.number().int().nullable(),
  version: z.number().int(),
});
export type StorageUnitView = z.infer<typeof storageUnitViewSchema>;

export const readingsRequestSchema = z.strictObject({
  readings: z
    .array(z.strictObject({ recordedAt: isoDateTime, celsius: z.number().min(-273.15).max(200) }))
    .min(1)
    .max(1000),
});

export const readingsQuerySchema = z.strictObject({
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  /** At most this many points; longer spans are thinned to min/max per bucket. */
  points: z.coerce.number().int().min(10).max(5000).default(500),
});

export const excursionViewSchema = z.object({
  excursionId: z.string(),
  unitId: z.string(),
  unitCode: z.string(),
  /** `data_gap`: the log fell silent for longer than the unit's logging interval; temperature unknown. */
  kind: z.enum(['temperature', 'data_gap']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  minutes: z.number(),
  /** Null for a data gap. */
  minCelsius: z.number().nullable(),
  maxCelsius: z.number().nullable(),
  vialsQuarantined: z.number().int(),
  vialsAlreadyUsed: z.number().int(),
  vialsAwaitingDisposition: z.number().int(),
  /** The signed decisions on its quarantined vials, oldest first. */
  dispositions: z.array(
    z.object({
      decision: z.enum(['release', 'destroy']),
      vials: z.number().int(),
      reason: z.string(),
      decidedBy: z.string(),
      decidedAt: z.string(),
    }),
  ),
});
export type ExcursionView = z.infer<typeof excursionViewSchema>;

export const readingsViewSchema = z.object({
  unit: storageUnitViewSchema,
  points: z.array(z.object({ at: z.string(), celsius: z.number() })),
  total: z.number().int(),
  excursions: z.array(excursionViewSchema),
});
export type ReadingsView = z.infer<typeof readingsViewSchema>;

export const readingsResultSchema = z.object({
  inserted: z.number().int(),
  duplicates: z.number().int(),
  excursions: z.array(excursionViewSchema),
});

export const dispositionRequestSchema = z.strictObject({
  decision: z.enum(['release', 'destroy']),
  reason,
  password,
});

/** An excursion after its disposition, with the number of vials decided. */
export const dispositionResultSchema = excursionViewSchema.extend({ vials: z.number().int() });
export type DispositionResult = z.infer<typeof dispositionResultSchema>;

export const vialStateSchema = z.enum([
  'in_stock',
  'in_transit',
  'dispensed',
  'returned',
  'destroyed',
  'lost',
]);

export const vialViewSchema = z.object({
  vialId: z.string(),
  code: z.string(),
  lotId: z.string(),
  lotNumber: z.string(),
  lotStatus: z.enum(['pending', 'released', 'rejected']),
  state: vialStateSchema,
  siteId: z.string().nullable(),
  unitId: z.string().nullable(),
  unitCode: z.string().nullable(),
  expiresAt: z.string(),
  thawedAt: z.string().nullable(),
  useBy: z.string(),
  quarantined: z.boolean(),
  quarantineReason: z.string().nullable(),
  version: z.number().int(),
});
export type VialView = z.infer<typeof vialViewSchema>;

export const vialListSchema = z.object({ items: z.array(vialViewSchema), total: z.number().int() });
export type VialList = z.infer<typeof vialListSchema>;

export const vialListQuerySchema = z.strictObject({
  lotId: uuid('lot').optional(),
  siteId: z.string().min(1).max(64).optional(),
  unitId: uuid('storage unit').optional(),
  state: vialStateSchema.optional(),
  quarantined: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

export const vialActionRequestSchema = z.strictObject({ reason, version });
export const thawRequestSchema = z.strictObject({ version });
export const moveRequestSchema = z.strictObject({ unitId: uuid('storage unit'), version });

export const proposalQuerySchema = z.strictObject({ visitId: z.string().min(1).max(64) });

export const dispenseRequestSchema = z.strictObject({
  participantId: uuid('participant'),
  visitId: z.string().min(1).max(64),
  /** The vial the system proposed. */
  expectedVialId: uuid('vial'),
  /** What the scanner typed (or the camera read) from the vial's label. */
  scannedCode: z.string().trim().min(1, { message: 'Scan the vial label.' }).max(100),
});
export type DispenseRequest = z.infer<typeof dispenseRequestSchema>;

export const dispensingViewSchema = z.object({
  dispensingId: z.string(),
  participantId: z.string(),
  visitId: z.string(),
  vialId: z.string(),
  vialCode: z.string(),
  lotNumber: z.string(),
  siteId: z.string(),
  dispensedAt: z.string(),
  dispensedBy: z.string(),
  thawedAt: z.string(),
  useBy: z.string(),
  /** When the vial came back unused (then the dose visit may be dispensed again), by whom and why. */
  returnedAt: z.string().nullable(),
  returnedBy: z.string().nullable(),
  returnReason: z.string().nullable(),
});
export type DispensingView = z.infer<typeof dispensingViewSchema>;

export const proposalViewSchema = z.object({
  participantId: z.string(),
  studyNumber: z.string().nullable(),
  visitId: z.string(),
  vial: vialViewSchema,
  alternatives: z.number().int(),
});
export type ProposalView = z.infer<typeof proposalViewSchema>;

export const shipmentRequestSchema = z.strictObject({
  fromUnitId: uuid('storage unit'),
  toUnitId: uuid('storage unit'),
  containerUnitId: uuid('storage unit').nullable().default(null),
  vialCodes: z.array(z.string().trim().min(1).max(100)).min(1).max(5000),
  password,
});
export const shipRequestSchema = z.strictObject({
  courier: z.string().trim().min(1, { message: 'Name the courier who takes the shipment.' }).max(200),
  password,
  version,
});
export const receiveRequestSchema = z
  .strictObject({
    condition: z.enum(['acceptable', 'not_acceptable']),
    note: z.string().trim().max(1000).optional(),
    password,
    version,
  })
  .refine((body) => body.condition === 'acceptable' || !!body.note, {
    path: ['note'],
    message: 'Describe what is wrong with the shipment.',
  });

export const shipmentViewSchema = z.object({
  shipmentId: z.string(),
  fromUnitId: z.string(),
  toUnitId: z.string(),
  containerUnitId: z.string().nullable(),
  status: z.enum(['packed', 'shipped', 'received']),
  courier: z.string().nullable(),
  packedAt: z.string(),
  shippedAt: z.string().nullable(),
  receivedAt: z.string().nullable(),
  condition: z.enum(['acceptable', 'not_acceptable']).nullable(),
  conditionNote: z.string().nullable(),
  vialCodes: z.array(z.string()),
  custody: z.array(
    z.object({
      step: z.enum(['pack', 'ship', 'receive']),
      fromParty: z.string(),
      toParty: z.string(),
      signerName: z.string(),
      meaning: z.string(),
      signedAt: z.string(),
    }),
  ),
  version: z.number().int(),
});
export type ShipmentView = z.infer<typeof shipmentViewSchema>;

export const importResultSchema = z.object({
  importId: z.string(),
  rowsRead: z.number().int(),
  rowsImported: z.number().int(),
  rowsDuplicate: z.number().int(),
  rowsBad: z.number().int(),
  /** The first bad rows by line (at most 100; `rowsBad` counts them all). */
  badRows: z.array(z.object({ line: z.number().int(), message: z.string() })),
  /** True when the file had bad rows and its good rows were stored all the same (skipBadRows). */
  skippedBadRows: z.boolean(),
  firstAt: z.string().nullable(),
  lastAt: z.string().nullable(),
  /** The longest silence allowed in the log (the unit's setting, or 3× the file's median interval). */
  gapMinutes: z.number().nullable(),
  /** Excursions and data gaps found over the imported span. */
  excursions: z.array(excursionViewSchema),
});
export type ImportResult = z.infer<typeof importResultSchema>;
