import { z } from 'zod';
import { plainId, plainText } from '../crf/entries.ts';

/** What kind of departure from the protocol (ICH E3 §10.2 groups; the window ones are proposed by the system). */
export const deviationCategories = [
  'visit-window',
  'dose-window',
  'informed-consent',
  'eligibility',
  'study-procedure',
  'investigational-product',
  'safety-reporting',
  'other',
] as const;
export type DeviationCategory = (typeof deviationCategories)[number];

export const deviationSeverities = ['major', 'minor'] as const;
export const deviationStatuses = ['proposed', 'confirmed', 'rejected'] as const;

const isoDate = z.iso.date({ message: 'Use a date as YYYY-MM-DD.' });
const text = (max: number) => plainText(max).pipe(z.string().trim().min(1, 'Write at least one word.'));

export const deviationSchema = z.object({
  deviationId: z.uuid(),
  participantId: z.uuid(),
  participantLabel: z.string(),
  siteId: z.string(),
  visitId: z.string().nullable(),
  formId: z.string().nullable(),
  /** `system` when a save outside a window proposed it, `manual` when entered by hand. */
  origin: z.enum(['system', 'manual']),
  category: z.enum(deviationCategories),
  severity: z.enum(deviationSeverities),
  description: z.string(),
  correctiveAction: z.string().nullable(),
  occurredOn: isoDate,
  status: z.enum(deviationStatuses),
  reportedBy: z.string(),
  reportedAt: z.iso.datetime(),
  decidedBy: z.string().nullable(),
  decidedAt: z.iso.datetime().nullable(),
  decisionReason: z.string().nullable(),
  version: z.number().int(),
});

export const deviationListSchema = z.object({ deviations: z.array(deviationSchema) });

export const deviationListQuerySchema = z.strictObject({
  siteId: plainId(64).optional(),
  participantId: z.uuid({ message: 'Not a participant id.' }).optional(),
  status: z.enum(deviationStatuses).optional(),
});

export const recordDeviationSchema = z.strictObject({
  participantId: z.uuid({ message: 'Not a participant id.' }),
  visitId: plainId(64).optional(),
  category: z.enum(deviationCategories, { message: `Choose one of: ${deviationCategories.join(', ')}.` }),
  severity: z.enum(deviationSeverities, { message: 'Choose major or minor.' }),
  description: text(2000),
  correctiveAction: text(2000).optional(),
  occurredOn: isoDate,
});

export const decideDeviationSchema = z
  .strictObject({
    decision: z.enum(['confirm', 'reject'], { message: 'Choose confirm or reject.' }),
    version: z.number().int().min(1),
    /** The classification as confirmed (a proposal's is only a first guess). */
    severity: z.enum(deviationSeverities).optional(),
    category: z.enum(deviationCategories).optional(),
    correctiveAction: text(2000).optional(),
    reason: text(1000).optional(),
  })
  .refine((request) => request.decision === 'confirm' || request.reason !== undefined, {
    path: ['reason'],
    message: 'Say why the deviation is rejected.',
  });

export type DeviationView = z.infer<typeof deviationSchema>;
export type DeviationList = z.infer<typeof deviationListSchema>;
export type DeviationListQuery = z.infer<typeof deviationListQuerySchema>;
export type RecordDeviationRequest = z.infer<typeof recordDeviationSchema>;
export type DecideDeviationRequest = z.infer<typeof decideDeviationSchema>;
