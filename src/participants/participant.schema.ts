import { z } from 'zod';
import { plainId, plainText } from '../crf/entries.ts';

const isoDate = z.iso.date({ message: 'Use a date as YYYY-MM-DD.' });
const isoDateTime = z.iso.datetime({ offset: true, message: 'Use a date and time as YYYY-MM-DDTHH:MM:SSZ.' });
const localized = z.object({ en: z.string(), zh: z.string() });

export const participantStatuses = [
  'screening',
  'screen_failed',
  'declined',
  'enrolled',
  'withdrawn',
  'lost_to_follow_up',
  'died',
  'completed',
] as const;
export type ParticipantStatus = (typeof participantStatuses)[number];

/** States that end the schedule. They never delete data. */
export const endStatuses = ['withdrawn', 'lost_to_follow_up', 'died', 'completed'] as const;

export const screenRequestSchema = z.strictObject({
  siteId: plainId(64),
  screeningDate: isoDate,
  /** The medical record number at the site, by which laboratory messages name the patient; seen only by the site's staff. */
  hospitalId: plainText(64).pipe(z.string().min(1)).optional(),
});

export const consentRequestSchema = z
  .strictObject({
    formVersion: plainText(50).pipe(z.string().min(1)),
    consentedAt: isoDateTime,
    signer: z.enum(['participant', 'legal_representative']),
    representativeName: plainText(200).pipe(z.string().min(1)).optional(),
    representativeRelation: plainText(100).pipe(z.string().min(1)).optional(),
    /** The participant or representative cannot read or sign (left out: they can); `witness: when-needed` then asks for a witness. */
    unableToRead: z.boolean().optional(),
    witnessName: plainText(200).pipe(z.string().min(1)).optional(),
    witnessSignedAt: isoDateTime.optional(),
  })
  .superRefine((value, context) => {
    if (value.signer === 'legal_representative' && !value.representativeName) {
      context.addIssue({
        code: 'custom',
        path: ['representativeName'],
        message: "Give the representative's name.",
      });
    }
    if ((value.witnessName === undefined) !== (value.witnessSignedAt === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [value.witnessName === undefined ? 'witnessName' : 'witnessSignedAt'],
        message: "Give both the witness's name and the date and time the witness signed.",
      });
    }
  });
export type ConsentRequest = z.infer<typeof consentRequestSchema>;

export const signatureRequestSchema = z.strictObject({
  password: z.string().min(1, { message: 'Re-enter your password to sign.' }).max(256),
});
export type SignatureRequest = z.infer<typeof signatureRequestSchema>;

export const screenOutcomeRequestSchema = z.strictObject({
  outcome: z.enum(['screen_failed', 'declined']),
  reason: plainText(1000).pipe(z.string().min(1, { message: 'Give the reason.' })),
  version: z.number().int().min(1),
});

export const enrolRequestSchema = z.strictObject({
  day1Date: isoDate,
  version: z.number().int().min(1),
});

export const statusRequestSchema = z.strictObject({
  status: z.enum(endStatuses),
  date: isoDate,
  reason: plainText(1000).pipe(z.string().min(1, { message: 'Give the reason.' })),
  version: z.number().int().min(1),
});

/**
 * The participant list, newest screening first (screening date, then screening number, both
 * descending; the screening number is unique in the study, so the order is total). Page through it
 * with `cursor` (each page's `nextCursor`), or with `offset` for a page by number.
 */
export const participantListQuerySchema = z.strictObject({
  status: z.enum(participantStatuses).optional(),
  siteId: plainId(64).optional(),
  search: plainText(50).optional().describe('part of a screening or study number, in any case'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('rows per page, 1 to 500'),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .optional()
    .describe(
      'rows to skip (default 0); the database still walks the skipped rows, so for deep pages follow `nextCursor` instead. Not together with `cursor`.',
    ),
  cursor: z
    .string()
    .max(1000)
    .optional()
    .describe(
      "the previous page's `nextCursor`: this page starts right after that page's last row, with the same filters (status, siteId, search) — a cursor made under other filters is refused. Quick at any depth. Not together with `offset`.",
    ),
});
export type ParticipantListQuery = z.infer<typeof participantListQuerySchema>;

const visitSchema = z.object({
  visitId: z.string(),
  name: localized,
  day: z.number(),
  targetDate: z.string().nullable(),
  earliestDate: z.string().nullable(),
  latestDate: z.string().nullable(),
  windowLabel: z.string(),
});

export const participantSummarySchema = z.object({
  participantId: z.string(),
  siteId: z.string(),
  screeningNumber: z.string(),
  screeningDate: z.string(),
  studyNumber: z.string().nullable(),
  status: z.enum(participantStatuses),
  statusDate: z.string().nullable(),
  day1Date: z.string().nullable(),
  consented: z.boolean(),
  /** The consent form version in force that the participant has not signed yet (data entry warns until they do). */
  reconsentDue: z.object({ versionInForce: z.string(), signedVersion: z.string() }).nullable(),
  nextVisit: visitSchema.nullable(),
  /** Queries waiting for the site's answer. */
  openQueries: z.number().int(),
  /** Queries answered and waiting for a monitor or data manager to close them. */
  answeredQueries: z.number().int(),
  synthetic: z.boolean(),
  version: z.number().int(),
});
export type ParticipantSummary = z.infer<typeof participantSummarySchema>;

export const participantListSchema = z.object({
  items: z.array(participantSummarySchema),
  total: z.number().int().describe('participants matching the filters, counted up to 10,000'),
  totalCapped: z
    .boolean()
    .describe('more than `total` participants match: narrow the search or filter to count them'),
  nextCursor: z
    .string()
    .nullable()
    .describe(
      'pass as `cursor` (with the same filters) for the page after this one; null on the last page. Opaque: do not build or edit one.',
    ),
});
export type ParticipantList = z.infer<typeof participantListSchema>;

export const criterionViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['inclusion', 'exclusion']),
  text: localized,
  result: z.boolean().nullable(),
});

export const eligibilityViewSchema = z.object({
  status: z.enum(['eligible', 'ineligible', 'incomplete']),
  criteria: z.array(criterionViewSchema),
  failed: z.array(z.string()),
  undecided: z.array(z.string()),
  confirmedAt: z.string().nullable(),
  confirmedBy: z.string().nullable(),
  /** Screening data changed after the investigator confirmed: confirm again before enrolment. */
  confirmationStale: z.boolean(),
});
export type EligibilityView = z.infer<typeof eligibilityViewSchema>;

export const consentViewSchema = z.object({
  consentId: z.string(),
  formVersion: z.string(),
  consentedAt: z.string(),
  obtainedBy: z.string().describe('the account id of the person who obtained consent'),
  obtainedByName: z.string().describe("that person's name, as people read it"),
  signer: z.enum(['participant', 'legal_representative']),
  representativeName: z.string().nullable(),
  representativeRelation: z.string().nullable(),
  /** The participant or representative could not read or sign (null where it was not asked). */
  unableToRead: z.boolean().nullable(),
  witnessName: z.string().nullable(),
  witnessSignedAt: z.string().nullable(),
});

export const participantDetailSchema = participantSummarySchema.extend({
  statusReason: z.string().nullable(),
  failedCriteria: z.array(z.string()),
  enrolledAt: z.string().nullable(),
  locked: z.boolean(),
  /** The protocol version the participant's site works under: new forms are entered under it. */
  siteProtocolVersion: z.number().int(),
  consents: z.array(consentViewSchema),
  visits: z.array(visitSchema),
  /** The randomisation number given at enrolment in a randomised study (never the arm). */
  randomisationNumber: z.string().nullable(),
});
export type ParticipantDetail = z.infer<typeof participantDetailSchema>;

export const consortSchema = z.object({
  screened: z.number().int(),
  inScreening: z.number().int(),
  screenFailed: z.number().int(),
  failedByCriterion: z.record(z.string(), z.number().int()),
  declined: z.number().int(),
  enrolled: z.number().int(),
  ongoing: z.number().int(),
  completed: z.number().int(),
  withdrawn: z.number().int(),
  lostToFollowUp: z.number().int(),
  died: z.number().int(),
});
export type Consort = z.infer<typeof consortSchema>;
