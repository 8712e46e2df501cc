import { z } from 'zod';
import { plainId } from '../crf/entries.ts';

const isoDate = z.iso.date();
const localized = z.object({ en: z.string(), zh: z.string() });
const workState = z.enum(['due-today', 'overdue', 'missing', 'done', 'upcoming']);
const listedState = z.enum(['due-today', 'overdue', 'missing']);

export const workItemSchema = z.object({
  visitId: z.string(),
  visitName: localized,
  visitKey: z.string(),
  formId: z.string(),
  formTitle: localized,
  instance: z.number().int(),
  targetDate: isoDate,
  earliestDate: isoDate,
  latestDate: isoDate,
  state: workState,
  daysLate: z.number().int(),
});

export const worklistCountsSchema = z.object({
  dueToday: z.number().int(),
  overdue: z.number().int(),
  missing: z.number().int(),
});

export const participantWorklistSchema = z.object({
  participantId: z.uuid(),
  participantLabel: z.string(),
  siteId: z.string(),
  /** The site's date the states are computed on. */
  today: isoDate,
  day1Date: isoDate.nullable(),
  counts: worklistCountsSchema,
  items: z.array(workItemSchema),
  /** The consent form version in force that the participant must sign before more data are entered. */
  reconsentDue: z.object({ versionInForce: z.string(), signedVersion: z.string() }).nullable(),
});

export const worklistQuerySchema = z.strictObject({
  siteId: plainId(64).optional(),
  state: listedState.optional(),
});

export const studyWorklistSchema = z.object({
  counts: worklistCountsSchema,
  /** Participants with something due today, overdue or missing (each lists only those forms) or a re-consent due. */
  participants: z.array(participantWorklistSchema),
});

export type WorkItemView = z.infer<typeof workItemSchema>;
export type WorklistCounts = z.infer<typeof worklistCountsSchema>;
export type ParticipantWorklist = z.infer<typeof participantWorklistSchema>;
export type WorklistQuery = z.infer<typeof worklistQuerySchema>;
export type StudyWorklist = z.infer<typeof studyWorklistSchema>;
