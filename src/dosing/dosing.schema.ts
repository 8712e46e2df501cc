import { z } from 'zod';
import { reconsentWarningSchema } from '../crf/crf.schema.ts';

const localized = z.object({ en: z.string(), zh: z.string() });
const clinicalTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/, {
    message: 'Enter a date and time as YYYY-MM-DDTHH:MM (site time) or with an offset.',
  });
const reason = z.string().trim().min(1).max(1000);

const administrationFields = {
  status: z.enum(['completed', 'interrupted', 'not-given']),
  /** The dispensing record of the vial given; or scan the vial's code instead. */
  dispensingId: z.uuid().optional(),
  vialCode: z.string().trim().min(1).max(100).optional(),
  startedAt: clinicalTime.optional(),
  endedAt: clinicalTime.optional(),
  volumeMl: z.number().min(0).max(10).optional(),
  device: z.string().min(1).max(64).optional(),
  interruptionReason: reason.optional(),
  notGivenReason: reason.optional(),
  /** Why the dose was given outside its window (required then). */
  windowReason: reason.optional(),
  bronchospasm: z.boolean().default(false),
  newCough: z.boolean().default(false),
};

export const recordAdministrationRequestSchema = z.strictObject(administrationFields);
export type RecordAdministrationRequest = z.infer<typeof recordAdministrationRequestSchema>;

export const updateAdministrationRequestSchema = z.strictObject({
  ...administrationFields,
  version: z.number().int().min(1),
  reason: z.string().trim().min(1, { message: 'Give the reason for the correction.' }).max(1000),
});
export type UpdateAdministrationRequest = z.infer<typeof updateAdministrationRequestSchema>;

export const inhalationFlagSchema = z.object({
  kind: z.enum([
    'spo2-drop',
    'spo2-low',
    'respiratory-rate-rise',
    'fio2-rise',
    'peep-rise',
    'bronchospasm',
    'new-cough',
    'fever',
  ]),
  source: z.string().nullable(),
  at: z.string().nullable(),
  observed: z.number().nullable(),
  baseline: z.number().nullable(),
  threshold: z.number().nullable(),
  message: localized,
  suggestedTerm: localized,
});

export const administrationViewSchema = z.object({
  administrationId: z.string(),
  participantId: z.string(),
  visitId: z.string(),
  doseNumber: z.number().int(),
  status: z.enum(['completed', 'interrupted', 'not-given']),
  dispensingId: z.string().nullable(),
  vialNumber: z.string().nullable(),
  device: z.string().nullable(),
  startedAt: z.string().nullable(),
  startedLocal: z.string().nullable(),
  endedAt: z.string().nullable(),
  endedLocal: z.string().nullable(),
  volumeMl: z.number().nullable(),
  interruptionReason: z.string().nullable(),
  notGivenReason: z.string().nullable(),
  windowReason: z.string().nullable(),
  bronchospasm: z.boolean(),
  newCough: z.boolean(),
  flags: z.array(inhalationFlagSchema),
  /** Adverse events recorded from this dose's flags. */
  adverseEventIds: z.array(z.string()),
  version: z.number().int(),
});
export type AdministrationView = z.infer<typeof administrationViewSchema>;

/** A dose record as a save answers it: with the re-consent the participant owes, if any. */
export const savedAdministrationSchema = administrationViewSchema.extend({
  reconsent: reconsentWarningSchema,
});
export type SavedAdministration = z.infer<typeof savedAdministrationSchema>;

const doseStateSchema = z.enum(['given', 'interrupted', 'not-given', 'missed', 'due', 'upcoming']);
const doseTimingSchema = z.enum(['early', 'on-time', 'late']);
const complianceSchema = z.object({
  /** Doses given (completed or interrupted) over doses whose window has opened. */
  given: z.number().int(),
  expected: z.number().int(),
  percent: z.number().nullable(),
  completed: z.number().int(),
  interrupted: z.number().int(),
  notGiven: z.number().int(),
  /** No record once the window closed. */
  missed: z.number().int(),
  /** Given before the window opened, or after it closed (delayed). */
  early: z.number().int(),
  delayed: z.number().int(),
});

export const doseScheduleSchema = z.object({
  participantId: z.string(),
  participantLabel: z.string(),
  day1Date: z.string().nullable(),
  timeZone: z.string(),
  doses: z.array(
    z.object({
      visitId: z.string(),
      doseNumber: z.number().int(),
      name: localized,
      earliest: z.string().nullable(),
      latest: z.string().nullable(),
      state: doseStateSchema,
      /** A given dose's start against its window: early, on time, or late (a delayed dose). */
      timing: doseTimingSchema.nullable(),
      administration: administrationViewSchema.nullable(),
    }),
  ),
  compliance: complianceSchema,
  dosingPaused: z.string().nullable(),
});
export type DoseSchedule = z.infer<typeof doseScheduleSchema>;

export const dosingOverviewSchema = z.object({
  /** Enrolled participants of the caller's sites, by study number. */
  participants: z.array(
    z.object({
      participantId: z.string(),
      participantLabel: z.string(),
      siteId: z.string(),
      day1Date: z.string(),
      doses: z.array(
        z.object({
          visitId: z.string(),
          doseNumber: z.number().int(),
          state: doseStateSchema,
          timing: doseTimingSchema.nullable(),
          latest: z.string(),
        }),
      ),
      compliance: complianceSchema,
    }),
  ),
  /** The same counts over every participant listed. */
  totals: complianceSchema,
});
export type DosingOverview = z.infer<typeof dosingOverviewSchema>;
