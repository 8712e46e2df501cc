import { z } from 'zod';
import { evaluateRateStoppingRule } from '../analysis/beta-binomial.ts';
import { rolePermissions } from '../kernel/permissions.ts';
import { roles } from '../kernel/roles.ts';
import { doseRecordSchema, doseVitalsSchema } from './schema-dosing.ts';
import {
  codeListSchema,
  consentSchema,
  durationSchema,
  formSchema,
  identifierSchema,
  rangeSchema,
  ruleTextSchema,
  slugSchema,
  textSchema,
  timeZoneSchema,
  ucumSchema,
} from './schema-parts.ts';
import { randomisationSchema } from './schema-randomisation.ts';
import { supplySchema } from './schema-supply.ts';

// The one schema of a protocol file (protocols/*.yaml). Structural rules live here; rules that need to look
// across the document (ids that must exist, rules that must typecheck) live in validate.ts.

const siteSchema = z.strictObject({
  id: slugSchema,
  /** Prefix of the participants' study numbers at this site, e.g. RJ-001. */
  code: z.string().regex(/^[A-Z][A-Z0-9]{1,5}$/, 'two to six upper-case letters or digits (e.g. "RJ")'),
  name: textSchema,
  timeZone: timeZoneSchema,
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter country code')
    .optional(),
});

const regimenSchema = z.strictObject({
  dose: z.strictObject({ amount: z.number().positive(), unit: ucumSchema, description: textSchema }),
  volume: z.strictObject({ amount: z.number().positive(), unit: ucumSchema }),
  numberOfDoses: z.number().int().positive(),
  intervalDays: z.number().int().positive(),
  firstDoseDay: z.number().int(),
  route: z.enum(['inhalation', 'intravenous', 'oral', 'subcutaneous', 'intramuscular', 'topical']),
  device: z.strictObject({
    kind: z.enum([
      'vibrating-mesh-nebulizer',
      'jet-nebulizer',
      'ultrasonic-nebulizer',
      'syringe',
      'infusion-pump',
      'none',
    ]),
    name: textSchema,
  }),
  /** The visits at which a dose is given, in order; there must be numberOfDoses of them. */
  doseVisits: z.array(slugSchema).min(1),
});

const studySchema = z.strictObject({
  id: slugSchema,
  registryId: z.string().min(1),
  shortTitle: z.string().min(1),
  title: textSchema,
  // YAML reads `phase: 1` as a number; accept it as the label "1".
  phase: z.preprocess(
    (phase) => (typeof phase === 'number' ? String(phase) : phase),
    z.enum(['0', '1', '1/2', '2', '2a', '2b', '2/3', '3', '4', 'not-applicable']),
  ),
  design: z.strictObject({
    type: z.enum(['interventional', 'observational']),
    model: z.enum(['single-group', 'parallel', 'crossover', 'factorial', 'sequential']),
    allocation: z.enum(['none', 'randomised', 'non-randomised']),
    masking: z.enum(['none', 'single', 'double', 'triple', 'quadruple']),
    arms: z
      .array(
        z.strictObject({
          id: slugSchema,
          name: textSchema,
          description: textSchema.optional(),
          /**
           * The arm's role (ClinicalTrials.gov arm types): a placebo or active comparator makes the
           * trial controlled (SDTM TS TCNTRL).
           */
          type: z
            .enum(['experimental', 'placebo-comparator', 'active-comparator'], {
              error: 'an arm type is experimental, placebo-comparator or active-comparator',
            })
            .default('experimental'),
          /** What this arm receives, when arms differ (a placebo arm); otherwise the protocol's regimen. */
          regimen: regimenSchema.optional(),
        }),
      )
      .min(1),
  }),
  sponsor: z.strictObject({ name: textSchema }),
  condition: z.strictObject({ name: textSchema, icd10: z.string().optional() }),
  plannedEnrolment: z.number().int().positive(),
  timeZone: timeZoneSchema,
  sites: z.array(siteSchema).min(1, 'a study needs at least one site'),
  relatedStudies: z
    .array(z.strictObject({ registryId: z.string().min(1), description: textSchema }))
    .default([]),
  notes: textSchema.optional(),
});

const timepointSchema = z.strictObject({
  id: slugSchema,
  name: textSchema,
  /** Minutes relative to the dose of the visit: negative before, positive after. */
  minutesFromDose: z.number().int(),
  forms: z.array(identifierSchema).min(1),
});

const visitSchema = z.strictObject({
  id: slugSchema,
  name: textSchema,
  kind: z.enum(['screening', 'dosing', 'assessment', 'daily', 'end-of-study', 'follow-up', 'unscheduled']),
  /** Study day; day 1 is the day of the first dose and there is no day 0 after it (day 0 is the day before). */
  day: z.number().int(),
  window: z.strictObject({
    before: z.number().min(0),
    after: z.number().min(0),
    unit: z.enum(['days', 'hours']),
  }),
  /** A visit that recurs, e.g. daily status from day 1 through day 28. */
  repeat: z.strictObject({ everyDays: z.number().int().positive(), lastDay: z.number().int() }).optional(),
  forms: z.array(identifierSchema).default([]),
  timepoints: z.array(timepointSchema).default([]),
  note: textSchema.optional(),
});

const scheduleSchema = z.strictObject({
  /** First and last study day any visit window may touch. */
  span: z.strictObject({ firstDay: z.number().int(), lastDay: z.number().int() }),
  visits: z.array(visitSchema).min(1),
});

const criterionSchema = z.strictObject({
  id: identifierSchema,
  text: textSchema,
  /** Inclusion: true when the criterion is met. Exclusion: true when the participant is excluded. */
  rule: ruleTextSchema,
  /** `default` marks a criterion the public record does not state and this protocol chose. */
  origin: z.enum(['registry', 'default']).default('registry'),
});

const eligibilitySchema = z.strictObject({
  inclusion: z.array(criterionSchema).min(1),
  exclusion: z.array(criterionSchema).default([]),
});

const releaseTestBase = { id: slugSchema, name: textSchema, method: textSchema.optional() };

const releaseTestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...releaseTestBase,
    kind: z.literal('numeric'),
    unit: ucumSchema,
    low: z.number().optional(),
    high: z.number().optional(),
    /** True when the limit itself fails, e.g. endotoxin must be < 0.5 EU/mL. */
    highExclusive: z.boolean().default(false),
  }),
  z.strictObject({
    ...releaseTestBase,
    kind: z.literal('relative-to-label'),
    lowPercent: z.number().positive(),
    highPercent: z.number().positive(),
  }),
  z.strictObject({
    ...releaseTestBase,
    kind: z.literal('qualitative'),
    expected: z.enum(['present', 'absent', 'negative', 'positive']),
  }),
]);

const productSchema = z.strictObject({
  code: z.string().min(1),
  name: textSchema,
  description: textSchema,
  storage: z.strictObject({
    temperatureCelsius: z.number(),
    allowedCelsius: rangeSchema.required(),
    /** An excursion out of the allowed range longer than this quarantines the affected vials. */
    excursionToleranceMinutes: z.number().int().min(0),
  }),
  stability: z
    .array(
      z.strictObject({
        temperatureCelsius: z.number(),
        duration: durationSchema,
        condition: textSchema.optional(),
      }),
    )
    .min(1),
  /** For frozen products: how long a thawed vial may wait, and whether it may be refrozen. */
  thawed: z.strictObject({ useWithinHours: z.number().positive(), refreezeAllowed: z.boolean() }).optional(),
  release: z.array(releaseTestSchema).min(1),
});

const reportingClockSchema = z.strictObject({
  id: slugSchema,
  name: textSchema,
  appliesTo: z.enum(['sae', 'susar-fatal-or-life-threatening', 'susar-other']),
  reporter: z.enum(['site', 'sponsor']),
  recipient: z.enum(['sponsor', 'regulator', 'ethics-committee']),
  /** Time from awareness to the (initial) report. */
  deadline: durationSchema,
  /** Time after the initial report for the complete report. */
  followUp: durationSchema.optional(),
});

const stoppingRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('event'),
    id: slugSchema,
    description: textSchema,
    /** Evaluated on each adverse event record; true triggers the action. */
    rule: ruleTextSchema,
    action: z.enum(['pause-dosing', 'flag']),
  }),
  z
    .strictObject({
      kind: z.literal('bayesian-beta'),
      id: slugSchema,
      description: textSchema,
      prior: z.strictObject({ alpha: z.number().positive(), beta: z.number().positive() }),
      /** Which adverse event records count as an event of the monitored rate. */
      eventRule: ruleTextSchema,
      rateThreshold: z.number().gt(0).lt(1),
      probabilityThreshold: z.number().gt(0).lt(1),
      /** The monitor may trip only with at least this many participants with a counted event. */
      minimumEvents: z.number().int().min(0).max(1000).default(1),
      /** …and at least this many evaluable participants (the safety population: at least one dose). */
      minimumParticipants: z.number().int().min(1).max(100_000).default(1),
      action: z.enum(['pause-dosing', 'flag']),
    })
    .superRefine((rule, context) => {
      const trap = tripsWithoutData(rule);
      if (trap) context.addIssue({ code: 'custom', path: ['minimumEvents'], message: trap });
    }),
]);

/**
 * A rate monitor must not trip on no data. With a vague prior P(rate > threshold) can exceed the bound
 * before any event (Beta(1, 1): 0.9 with no participant, 0.81 after one, for a 10% threshold). With
 * minimumEvents 0 the prior alone must be below the bound once minimumParticipants are evaluable.
 * P(rate > t | 0 events in n) = 1 − I_t(α, β + n), which falls as n grows.
 */
function tripsWithoutData(rule: {
  prior: { alpha: number; beta: number };
  rateThreshold: number;
  probabilityThreshold: number;
  minimumEvents: number;
  minimumParticipants: number;
}): string | null {
  if (rule.minimumEvents > 0) return null;
  const monitor = {
    threshold: rule.rateThreshold,
    probability: rule.probabilityThreshold,
    prior: { a: rule.prior.alpha, b: rule.prior.beta },
  };
  const atMinimum = evaluateRateStoppingRule(0, rule.minimumParticipants, monitor);
  if (!atMinimum.triggered) return null;
  let enough = rule.minimumParticipants;
  while (enough <= 10_000 && evaluateRateStoppingRule(0, enough, monitor).triggered) enough += 1;
  const fix = enough <= 10_000 ? `, or minimumParticipants to at least ${enough}` : '';
  return (
    `with this prior the monitor is above its bound with no event among ${rule.minimumParticipants} ` +
    `participant(s) (P = ${atMinimum.probabilityAbove.toFixed(3)} > ${rule.probabilityThreshold}), so it ` +
    `would trip on no data: set minimumEvents to 1 or more${fix}`
  );
}

/**
 * Which form holds adverse events and which of its items carry each meaning the safety summaries,
 * reporting clocks, stopping rules, SDTM AE, FHIR and the report read. Item ids are the protocol's
 * own; term, onset, grade, seriousness, causality and awareness are required (validate.ts), the rest are read
 * where given. A
 * protocol written before this section existed gets it from its `adverseEvent` form (format-1.ts).
 */
export const adverseEventItemsSchema = z.strictObject({
  term: identifierSchema.optional(),
  onsetAt: identifierSchema.optional(),
  grade: identifierSchema.optional(),
  serious: identifierSchema.optional(),
  causality: identifierSchema.optional(),
  ongoing: identifierSchema.optional(),
  resolvedAt: identifierSchema.optional(),
  seriousnessCriteria: identifierSchema.optional(),
  awareAt: identifierSchema.optional(),
  expected: identifierSchema.optional(),
  actionTaken: identifierSchema.optional(),
  outcome: identifierSchema.optional(),
  inhalationAssociated: identifierSchema.optional(),
});

export type AdverseEventItemRole = keyof z.infer<typeof adverseEventItemsSchema>;

const safetySchema = z.strictObject({
  adverseEvents: z.strictObject({ form: identifierSchema, items: adverseEventItemsSchema }),
  grading: z.strictObject({
    system: z.literal('CTCAE'),
    version: z.string().min(1),
    grades: z.array(z.strictObject({ grade: z.number().int().min(1).max(5), label: textSchema })).length(5),
  }),
  seriousness: z.strictObject({
    reference: z.string().min(1),
    criteria: z.array(z.strictObject({ id: slugSchema, label: textSchema })).min(1),
  }),
  causality: z.strictObject({
    scale: z.string().min(1),
    /** `related: true` categories count as "at least possibly related" in rules and analyses. */
    categories: z
      .array(
        z.strictObject({
          id: slugSchema,
          label: textSchema,
          related: z.boolean(),
          /**
           * Possibly related for expedited reporting (SUSAR clocks). Default: related, or a WHO-UMC
           * conditional/unassessable judgement (src/safety/causality.ts).
           */
          expedited: z.boolean().optional(),
        }),
      )
      .min(2),
  }),
  clocks: z.array(reportingClockSchema).min(1),
  /** The events an inhaled dose may provoke and how they are flagged: declared when a regimen is inhaled, and only then. */
  inhalationEvents: z
    .strictObject({
      description: textSchema,
      observationMinutes: z.number().int().positive(),
      spo2DropPoints: z.number().positive(),
      spo2BelowPercent: z.number().positive(),
      respiratoryRateRisePerMinute: z.number().positive(),
      /**
       * On controlled ventilation the ventilator sets the respiratory rate, so a rise in it says nothing:
       * escalation of FiO2 (points) or PEEP (cmH2O) is flagged instead. Protocols written before this get
       * these defaults.
       */
      controlledVentilation: z
        .strictObject({
          /** Codes of the dose-vitals oxygenSupport item (doseVitals.items) that mean controlled ventilation. */
          oxygenSupport: z.array(z.string().min(1)).min(1),
          fio2RisePoints: z.number().positive(),
          peepRiseCmH2O: z.number().positive(),
        })
        .default({ oxygenSupport: ['imv', 'ecmo'], fio2RisePoints: 10, peepRiseCmH2O: 2 }),
      bronchospasm: z.boolean(),
      newCough: z.boolean(),
      fever: z.strictObject({ celsius: z.number(), withinHours: z.number().positive() }),
    })
    .optional(),
  stoppingRules: z.array(stoppingRuleSchema).default([]),
});

const outcomeSchema = z.strictObject({
  id: slugSchema,
  title: textSchema,
  description: textSchema.optional(),
  timeFrameDays: z.number().int().positive(),
  measure: z.enum([
    'participants-with-event',
    'days-with-condition',
    'time-to-event',
    'change-from-baseline',
    'proportion',
    'participants-transitioning',
  ]),
  /** For event and day counts: what counts (over adverse event or daily status records). */
  rule: ruleTextSchema.optional(),
  /** For change-from-baseline: the item measured, as `form.item`. */
  item: z.string().optional(),
  /** For participants-transitioning: a day where fromRule holds followed by a later day where toRule holds. */
  fromRule: ruleTextSchema.optional(),
  toRule: ruleTextSchema.optional(),
  /**
   * For time-to-event: the event counts only when a later record at least this many days after it
   * holds the rule again, none failing between (two negative RT-PCR tests 24 h apart: 1).
   */
  confirmedAfterDays: z.number().int().positive().optional(),
});

const ordinalScaleSchema = z.strictObject({
  id: slugSchema,
  name: textSchema,
  /** Categories are tested from the highest value down; the first whose rule is true is the day's category. */
  categories: z
    .array(z.strictObject({ value: z.number().int(), label: textSchema, rule: ruleTextSchema }))
    .min(2),
});

/** Time to clinical improvement on the ordinal scale (Cao et al., NEJM 2020). */
const ttciSchema = z.strictObject({
  title: textSchema,
  origin: z.literal('first-dose'),
  baselineVisit: slugSchema,
  /** Improvement: a decline of this many categories from the baseline category. */
  improvementCategories: z.number().int().positive(),
  /** Alternatively improved: discharged alive. */
  dischargeAliveRule: ruleTextSchema,
  deathRule: ruleTextSchema,
  horizonDays: z.number().int().positive(),
  /** Deaths and non-improvers are censored at the horizon (Cao et al., NEJM 2020). */
  censorAtHorizon: z.literal(true),
});

const outcomesSchema = z.strictObject({
  /** A daily ordinal scale of clinical status; required when ttci is given. */
  ordinalScale: ordinalScaleSchema.optional(),
  ttci: ttciSchema.optional(),
  primary: z.array(outcomeSchema).min(1),
  secondary: z.array(outcomeSchema).default([]),
  exploratory: z.array(outcomeSchema).default([]),
});

/** A trial protocol: everything the system needs to run one trial, in English and Simplified Chinese. */
/** The roles a protocol may name as its coder: those whose permissions include coding. */
const coderRoles: readonly string[] = roles.filter((role) => rolePermissions[role].includes('coding.code'));

export const protocolSchema = z.strictObject({
  formatVersion: z.literal(1),
  version: z.string({ error: 'the protocol version is text; quote it, e.g. version: "1.0"' }).min(1),
  study: studySchema,
  schedule: scheduleSchema,
  forms: z.array(formSchema).min(1),
  codeLists: z.array(codeListSchema).default([]),
  eligibility: eligibilitySchema,
  regimen: regimenSchema,
  /**
   * The form of the vital signs taken at a dose's timepoints and its items by meaning: the bedside
   * shows it around each dose and the inhalation-event flags read it. Without it, no vitals around doses.
   */
  doseVitals: doseVitalsSchema.optional(),
  /**
   * The dose record form (SDTM EX) and its items by meaning: the Dosing screen writes each dose to it
   * and the SDTM EX export reads doses from it. Without it, doses are kept only by the Dosing screen.
   */
  doseRecord: doseRecordSchema.optional(),
  /** How participants are allocated to arms; required when the design's allocation is randomised. */
  randomisation: randomisationSchema.optional(),
  /** Kit types and resupply (RTSM); required when the design is randomised and blinded. */
  supply: supplySchema.optional(),
  product: productSchema,
  safety: safetySchema,
  outcomes: outcomesSchema,
  /** The witness rule and the consent form's versions; without it, no witness and any version label. */
  consent: consentSchema.optional(),
  /** Medical coding: who codes verbatim terms (src/coding). */
  coding: z
    .strictObject({
      /**
       * The one role that codes the study's terms. Without it every role that may code does (the data
       * manager, a medical coder); with it, only that role.
       */
      coderRole: z
        .string()
        .refine((role) => coderRoles.includes(role), {
          error: (issue) =>
            `coding.coderRole "${String(issue.input)}" is not a role that may code; use one of ${coderRoles.join(', ')}`,
        })
        .optional(),
    })
    .optional(),
  /** Study-wide security settings; each wins over its environment variable (see docs/operations.md). */
  security: z
    .strictObject({
      /** Administrators must set up TOTP before anything else (else EXOTRIAL_ADMIN_TOTP_REQUIRED). */
      administratorsMustUseTotp: z
        .boolean({ error: 'administratorsMustUseTotp is true or false' })
        .optional(),
    })
    .optional(),
});

export type Protocol = z.infer<typeof protocolSchema>;
export type ProtocolForm = Protocol['forms'][number];
export type ProtocolItem = ProtocolForm['items'][number];
export type ProtocolVisit = Protocol['schedule']['visits'][number];
export type ProtocolCriterion = Protocol['eligibility']['inclusion'][number];
export type ProtocolOutcome = Protocol['outcomes']['primary'][number];
export type { LocalizedText } from './schema-parts.ts';
