import { z } from 'zod';
import { identifierSchema } from './schema-parts.ts';

// The dose-vitals section of a protocol: which form holds the vital signs recorded at a dose's
// timepoints, and which of its items carry each meaning the dosing code reads. Cross-document rules
// (the form and items exist and have the right types) live in validate-dosing.ts.

/**
 * The items of the dose-vitals form by meaning; the ids are the protocol's own. `assessedAt` is
 * required (a reading is placed before or after the dose by it); the measurements are read where given.
 */
export const doseVitalsItemsSchema = z.strictObject({
  /** When the reading was taken (datetime). */
  assessedAt: identifierSchema,
  spo2: identifierSchema.optional(),
  respiratoryRate: identifierSchema.optional(),
  temperature: identifierSchema.optional(),
  /** The oxygen support in use (a choice item), which tells controlled ventilation apart. */
  oxygenSupport: identifierSchema.optional(),
  /** The FiO2 set on the ventilator, in percent. */
  fio2: identifierSchema.optional(),
  peep: identifierSchema.optional(),
});

export type DoseVitalsItemRole = keyof z.infer<typeof doseVitalsItemsSchema>;

export const doseVitalsSchema = z.strictObject({
  /** The form a dose visit's timepoints list for vital signs (a before-dose reading, readings after). */
  form: identifierSchema,
  items: doseVitalsItemsSchema,
  /**
   * Items that describe the circumstances of a reading rather than measure it (at rest, oxygen
   * support): the bedside may carry them from an earlier reading of the same day, marked as copied
   * until someone confirms them. Measurements are never carried.
   */
  carried: z.array(identifierSchema).default([]),
});

export type DoseVitals = z.infer<typeof doseVitalsSchema>;

// The dose-record section: which items of the protocol's dose record form (its SDTM EX form) carry
// each meaning the dosing code writes and the SDTM EX export reads.

/**
 * The items of the dose record form by meaning; the ids are the protocol's own. `administered` and
 * `startedAt` are required (a dose record says whether the dose was given and when it started); the
 * others are written and read where the form has them.
 */
export const doseRecordItemsSchema = z.strictObject({
  /** Whether the dose was given (boolean). */
  administered: identifierSchema,
  /** Why a dose was not given (text). */
  reasonNotGiven: identifierSchema.optional(),
  /** The code of the vial given (text). */
  vialNumber: identifierSchema.optional(),
  /** When the dispensed vial was thawed (datetime). */
  thawedAt: identifierSchema.optional(),
  /** When the dose started (datetime). */
  startedAt: identifierSchema,
  /** When the dose ended or was stopped (datetime). */
  endedAt: identifierSchema.optional(),
  /** The volume given, in mL (a number). */
  volume: identifierSchema.optional(),
  /** The device the dose was given with (a choice item; its codes are the devices allowed). */
  device: identifierSchema.optional(),
  /** Whether the dose was interrupted (boolean). */
  interrupted: identifierSchema.optional(),
  /** Why the dose was interrupted (text). */
  interruptionReason: identifierSchema.optional(),
});

export type DoseRecordItemRole = keyof z.infer<typeof doseRecordItemsSchema>;

export const doseRecordSchema = z.strictObject({
  /** The form the Dosing screen writes each dose to: the protocol's SDTM EX form. */
  form: identifierSchema,
  items: doseRecordItemsSchema,
});

export type DoseRecord = z.infer<typeof doseRecordSchema>;
