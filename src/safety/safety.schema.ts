import { z } from 'zod';
import { queryViewSchema, reconsentWarningSchema } from '../crf/crf.schema.ts';
import { fieldInputSchema, missingReasons } from '../crf/entries.ts';
import { inhalationFlagSchema } from '../dosing/dosing.schema.ts';

const localized = z.object({ en: z.string(), zh: z.string() });
const termCodeSchema = z
  .string()
  .trim()
  .max(40)
  .regex(/^[A-Za-z0-9.-]*$/, {
    message: 'A term code holds letters, digits, dots and dashes (e.g. 10020941).',
  })
  .nullable();

export const createAdverseEventRequestSchema = z.strictObject({
  /** The `adverseEvent` form's items, as eCRF fields: a value, or a missing-data code with a reason. */
  entries: z.record(z.string().min(1).max(100), fieldInputSchema),
  termCode: termCodeSchema.optional(),
  /** The dose whose inhalation-event flag suggested this event. */
  administrationId: z.uuid().nullable().optional(),
});
export type CreateAdverseEventRequest = z.infer<typeof createAdverseEventRequestSchema>;

export const updateAdverseEventRequestSchema = z.strictObject({
  /** The version you loaded; a stale version gets 409 with the current event. */
  version: z.number().int().min(1),
  entries: z.record(z.string().min(1).max(100), fieldInputSchema).default({}),
  termCode: termCodeSchema.optional(),
  /** Required when a value saved before is changed. */
  reason: z.string().trim().min(1).max(1000).optional(),
});
export type UpdateAdverseEventRequest = z.infer<typeof updateAdverseEventRequestSchema>;

export const aeFieldSchema = z.object({
  value: z.unknown(),
  missing: z.enum(missingReasons).optional(),
  missingReason: z.string().optional(),
  revision: z.number().int(),
});

export const clockViewSchema = z.object({
  clockId: z.string(),
  name: localized,
  reporter: z.enum(['site', 'sponsor']),
  recipient: z.string(),
  kind: z.enum(['initial', 'follow-up']),
  /** What started the clock: the site's awareness, or the sponsor's receipt of the site's report. */
  startBasis: z.enum(['site-awareness', 'sponsor-receipt', 'initial-report']),
  startsAt: z.string(),
  timeZone: z.string(),
  deadline: z.string(),
  /** The deadline as wall-clock time in the reporter's zone. */
  deadlineLocal: z.string(),
  status: z.enum(['due', 'overdue', 'met', 'late']),
  remainingMs: z.number().nullable(),
  submittedAt: z.string().nullable(),
});
export type ClockView = z.infer<typeof clockViewSchema>;

export const submissionViewSchema = z.object({
  submissionId: z.string(),
  aeId: z.string(),
  clockId: z.string(),
  kind: z.enum(['initial', 'follow-up']),
  recipient: z.string(),
  submittedAt: z.string(),
  reference: z.string().nullable(),
  note: z.string().nullable(),
  payloadSha256: z.string(),
  recordedAt: z.string(),
  recordedBy: z.string(),
  /** The name of who recorded the submission (the sign-in label when no account has it). */
  recordedByName: z.string(),
  /** The e-signature (21 CFR 11.50): who signed, at recordedAt, and what it meant; null before signing. */
  signerName: z.string().nullable(),
  signatureMeaning: z.string().nullable(),
  /** 0 the initial report, 1, 2 … the follow-ups under the clock; null on submissions kept before versions. */
  followUpNumber: z.number().int().nullable(),
  /** `initial`, `follow-up 1` … (null as above). */
  version: z.string().nullable(),
  /** The SHA-256 and language of the CIOMS I PDF as sent; null when only the data were kept. */
  documentSha256: z.string().nullable(),
  documentLanguage: z.enum(['en', 'zh']).nullable(),
});
export type SubmissionView = z.infer<typeof submissionViewSchema>;

export const aeSummarySchema = z.object({
  term: z.string().nullable(),
  onsetAt: z.string().nullable(),
  ongoing: z.boolean().nullable(),
  resolvedAt: z.string().nullable(),
  grade: z.number().int().nullable(),
  serious: z.boolean().nullable(),
  seriousnessCriteria: z.array(z.string()),
  awareAt: z.string().nullable(),
  causality: z.string().nullable(),
  /** From the protocol's causality categories; null until assessed. */
  related: z.boolean().nullable(),
  /** Possibly related for expedited reporting (conditional and unassessable count); null until assessed. */
  expedited: z.boolean().nullable(),
  expected: z.boolean().nullable(),
  inhalationAssociated: z.boolean().nullable(),
  actionTaken: z.string().nullable(),
  outcome: z.string().nullable(),
  /** Suspected unexpected serious adverse reaction: serious, possibly related for expedited reporting, not expected. */
  susar: z.boolean(),
  fatalOrLifeThreatening: z.boolean(),
});
export type AeSummary = z.infer<typeof aeSummarySchema>;

export const adverseEventViewSchema = z.object({
  aeId: z.string(),
  participantId: z.string(),
  participantLabel: z.string(),
  siteId: z.string(),
  number: z.number().int(),
  entries: z.record(z.string(), aeFieldSchema),
  termCode: z.string().nullable(),
  administrationId: z.string().nullable(),
  summary: aeSummarySchema,
  complete: z.boolean(),
  incomplete: z.array(z.string()),
  clocks: z.array(clockViewSchema),
  submissions: z.array(submissionViewSchema),
  /** Data queries on the event's fields (soft-check findings and their threads), oldest first. */
  queries: z.array(queryViewSchema),
  protocolVersion: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
export type AdverseEventView = z.infer<typeof adverseEventViewSchema>;

export const saveAdverseEventResponseSchema = adverseEventViewSchema.extend({
  /** Soft checks that failed: saved, but worth a second look. */
  warnings: z.array(z.object({ item: z.string(), message: localized })),
  /** Stopping rules that this save tripped (dosing is now paused when the action is pause-dosing). */
  trippedRules: z.array(z.string()),
  reconsent: reconsentWarningSchema,
});
export type SaveAdverseEventResponse = z.infer<typeof saveAdverseEventResponseSchema>;

export const adverseEventListSchema = z.object({
  items: z.array(adverseEventViewSchema),
  total: z.number().int(),
});
export type AdverseEventList = z.infer<typeof adverseEventListSchema>;

export const adverseEventListQuerySchema = z.strictObject({
  participantId: z.uuid({ message: 'Not a participant id.' }).optional(),
  serious: z.enum(['true', 'false']).optional(),
  /** At least possibly related (per the protocol's causality categories), or judged not related. */
  related: z.enum(['true', 'false', 'not-assessed']).optional(),
  grade: z.coerce.number().int().min(1).max(5).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AdverseEventListQueryInput = z.input<typeof adverseEventListQuerySchema>;

export const submissionRequestSchema = z.strictObject({
  clockId: z.string().min(1).max(64),
  kind: z.enum(['initial', 'follow-up']),
  /** When the report was sent: ISO with an offset, or wall-clock time in the reporter's zone. */
  submittedAt: z.string().min(10).max(40),
  reference: z.string().trim().max(200).optional(),
  note: z.string().trim().max(2000).optional(),
  /** The language of the CIOMS I PDF sent and kept (the other language can be printed from the data). */
  language: z.enum(['en', 'zh']).optional(),
  /** The signer's password: recording the submission is an electronic signature. */
  password: z.string().min(1, { message: 'Re-enter your password to sign.' }).max(256),
});
export type SubmissionRequest = z.infer<typeof submissionRequestSchema>;

export const pauseViewSchema = z.object({
  pauseId: z.string(),
  ruleId: z.string().nullable(),
  aeId: z.string().nullable(),
  reason: z.string(),
  trigger: z.record(z.string(), z.unknown()).nullable(),
  pausedAt: z.string(),
  pausedBy: z.string(),
  /** The name of who paused (the sign-in label when no account has it, e.g. the system). */
  pausedByName: z.string(),
  resumedAt: z.string().nullable(),
  resumedBy: z.string().nullable(),
  resumedByName: z.string().nullable(),
  resumeReason: z.string().nullable(),
  version: z.number().int(),
});
export type PauseView = z.infer<typeof pauseViewSchema>;

export const pauseRequestSchema = z.strictObject({
  reason: z.string().trim().min(1, { message: 'Say why dosing is paused.' }).max(1000),
});
export const resumeRequestSchema = z.strictObject({
  version: z.number().int().min(1),
  reason: z.string().trim().min(1, { message: 'Record the decision to resume and its grounds.' }).max(2000),
});

const ratePointSchema = z.object({
  participants: z.number().int(),
  participantId: z.string(),
  events: z.number().int(),
  probabilityAbove: z.number(),
  tripped: z.boolean(),
});

export const stoppingRuleViewSchema = z.object({
  ruleId: z.string(),
  kind: z.enum(['event', 'bayesian-beta']),
  description: localized,
  action: z.enum(['pause-dosing', 'flag']),
  tripped: z.boolean(),
  aeIds: z.array(z.string()).optional(),
  events: z.number().int().optional(),
  participants: z.number().int().optional(),
  probabilityAbove: z.number().optional(),
  rateThreshold: z.number().optional(),
  probabilityThreshold: z.number().optional(),
  posteriorMean: z.number().optional(),
  /** Why a rate monitor has tripped or not (see stopping-rules.ts). */
  verdict: z.enum(['tripped', 'too-few-participants', 'too-few-events', 'within-bound']).optional(),
  minimumEvents: z.number().int().optional(),
  minimumParticipants: z.number().int().optional(),
  /** P(rate > threshold) from the prior alone, before any participant. */
  priorProbabilityAbove: z.number().optional(),
  boundary: z.number().int().nullable().optional(),
  sequence: z.array(ratePointSchema).optional(),
});

export const dashboardSchema = z.object({
  totals: z.object({
    events: z.number().int(),
    serious: z.number().int(),
    related: z.number().int(),
    susars: z.number().int(),
    participantsWithEvents: z.number().int(),
    safetyPopulation: z.number().int(),
  }),
  byGrade: z.array(
    z.object({
      grade: z.number().int(),
      related: z.number().int(),
      notRelated: z.number().int(),
      notAssessed: z.number().int(),
    }),
  ),
  clocks: z.array(
    clockViewSchema.extend({
      aeId: z.string(),
      aeNumber: z.number().int(),
      participantLabel: z.string(),
      term: z.string().nullable(),
    }),
  ),
  /** Participants with events by MedDRA preferred term within system organ class (null: not coded yet). */
  bySocAndTerm: z.array(
    z.object({
      soc: z.string().nullable(),
      participants: z.number().int(),
      terms: z.array(
        z.object({ term: z.string(), participants: z.number().int(), verbatims: z.array(z.string()) }),
      ),
    }),
  ),
  stoppingRules: z.array(stoppingRuleViewSchema),
  pauses: z.array(pauseViewSchema),
  dosingPaused: z.boolean(),
  pauseReason: z.string().nullable(),
  /** Doses of the caller's sites whose readings raised inhalation flags with no adverse event recorded from them yet. */
  flaggedDoses: z.array(
    z.object({
      participantId: z.string(),
      participantLabel: z.string(),
      siteId: z.string(),
      administrationId: z.string(),
      visitId: z.string(),
      doseNumber: z.number().int(),
      flags: z.array(inhalationFlagSchema),
    }),
  ),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

export const aeHistoryEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  /** The actor as the audit trail holds it (a sign-in email). */
  by: z.string(),
  /** The person's name, as people read it (the label above when no account matches). */
  byName: z.string(),
  /** safety.ae.create, safety.ae.value.enter / .change, safety.report.submit, query.raise / .close … */
  action: z.string(),
  /** The item changed (e.g. grade), when the event names one. */
  item: z.string().nullable(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  reason: z.string().nullable(),
});
export type AeHistoryEntry = z.infer<typeof aeHistoryEntrySchema>;

/** The budget of one simulation request: participants × runs × rates × rules steps at most. */
export const SIMULATION_MAX_STEPS = 20_000_000;

export const simulationRequestSchema = z.strictObject({
  trueRates: z
    .array(z.number().min(0, 'A rate is from 0 to 1.').max(1, 'A rate is from 0 to 1.'))
    .min(1, 'Give at least one true rate.')
    .max(12, 'At most 12 rates at once.'),
  /** The protocol's planned enrolment when absent. */
  participants: z.number().int().min(1).max(1_000).optional(),
  runs: z.number().int().min(100).max(50_000).default(10_000),
  seed: z.number().int().min(0).max(2_147_483_647).default(1),
});
export type SimulationRequest = z.input<typeof simulationRequestSchema>;

export const simulationResultSchema = z.object({
  participants: z.number().int(),
  runs: z.number().int(),
  seed: z.number().int(),
  rules: z.array(
    z.object({
      ruleId: z.string(),
      kind: z.enum(['event', 'bayesian-beta']),
      action: z.string(),
      trueRate: z.number(),
      probabilityTripped: z.number(),
      standardError: z.number(),
      meanEnrolledAtTrip: z.number().nullable(),
      meanEnrolled: z.number(),
      enrolledAtTrip: z.array(z.number().int()),
    }),
  ),
});
export type SimulationResult = z.infer<typeof simulationResultSchema>;
