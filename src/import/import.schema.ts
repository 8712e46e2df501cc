import { z } from 'zod';

export const importFormats = ['csv', 'xlsx', 'odm', 'redcap'] as const;
export type ImportFormat = (typeof importFormats)[number];

/** Problems and changes listed back in full up to this many (the counts say how many there were). */
export const LISTED = 1_000;

export const rowProblemSchema = z.object({
  line: z.number().int(),
  participant: z.string().optional(),
  visit: z.string().optional(),
  column: z.string().optional(),
  message: z.string(),
  messages: z.object({ en: z.string(), zh: z.string() }),
});

export const importChangeSchema = z.object({
  line: z.number().int(),
  participant: z.string(),
  visit: z.string(),
  form: z.string(),
  instance: z.number().int(),
  item: z.string(),
  kind: z.enum(['enter', 'change']),
  old: z.unknown(),
  new: z.unknown(),
});
export type ImportChange = z.infer<typeof importChangeSchema>;

export const importResultSchema = z.object({
  fileName: z.string(),
  sha256: z.string(),
  format: z.enum(importFormats),
  dryRun: z.boolean(),
  /** Whether the import was written (false for a dry run). */
  imported: z.boolean(),
  rows: z.number().int(),
  values: z.number().int(),
  recordsCreated: z.number().int(),
  recordsChanged: z.number().int(),
  valuesEntered: z.number().int(),
  valuesChanged: z.number().int(),
  valuesUnchanged: z.number().int(),
  queriesOpened: z.number().int(),
  problems: z.array(rowProblemSchema),
  problemCount: z.number().int(),
  /** Lines left out (with skipBadRows) or that would stop the import (without). */
  badLines: z.array(z.number().int()),
  changes: z.array(importChangeSchema),
  changeCount: z.number().int(),
});
export type ImportResult = z.infer<typeof importResultSchema>;

/** The options of an import, as the API's query string and the CLI's flags give them. */
export const importQuerySchema = z.strictObject({
  fileName: z.string().trim().min(1).max(255).default('upload.csv'),
  format: z.enum(importFormats, { message: 'Use format=csv, xlsx, odm or redcap.' }).optional(),
  dryRun: z
    .enum(['true', 'false'], { message: 'Use dryRun=true or dryRun=false.' })
    .default('false')
    .transform((value) => value === 'true'),
  skipBadRows: z
    .enum(['true', 'false'], { message: 'Use skipBadRows=true or skipBadRows=false.' })
    .default('false')
    .transform((value) => value === 'true'),
  /** Why locked or signed records are written all the same; without it they are refused. */
  overrideLocked: z.string().trim().min(3).max(500).optional(),
  /** A column mapping as JSON (`{"Temp": "vitals.temperature"}`), see column-mapping.ts. */
  mapping: z.string().max(20_000).optional(),
});
