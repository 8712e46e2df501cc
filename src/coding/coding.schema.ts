import { z } from 'zod';
import { plainText } from '../crf/entries.ts';

export const dictionaryKinds = ['meddra', 'whodrug'] as const;
const dictionary = z.enum(dictionaryKinds, { message: 'Name a dictionary: meddra or whodrug.' });

export const dictionaryVersionSchema = z.object({
  dictionaryVersionId: z.string(),
  dictionary,
  version: z.string(),
  languages: z.array(z.string()),
  counts: z.record(z.string(), z.number()),
  importedAt: z.string(),
  importedBy: z.string(),
});

export const dictionaryListSchema = z.object({
  versions: z.array(dictionaryVersionSchema),
  /** The version the study codes with, per dictionary (null until chosen). */
  study: z.object({ meddra: z.string().nullable(), whodrug: z.string().nullable() }),
});
export type DictionaryList = z.infer<typeof dictionaryListSchema>;

export const selectVersionSchema = z.strictObject({
  version: z.string().trim().min(1, 'Name a loaded version.').max(40),
  reason: plainText(500).pipe(z.string().trim().min(1, 'Say why the study changes version.')),
});
export type SelectVersionRequest = z.infer<typeof selectVersionSchema>;

export const dictionaryParamsSchema = z.strictObject({ dictionary });

/**
 * A release sent to the API: each distribution file by name with its text (UTF-8). The request is
 * bounded by EXOTRIAL_BODY_LIMIT_BYTES; a full release is loaded with `exotrial dictionary import`.
 */
export const importDictionarySchema = z.strictObject({
  version: z.string().trim().min(1, 'Name the release, e.g. 27.1.').max(40),
  language: z.enum(['en', 'zh']).default('en'),
  files: z.record(z.string().max(40), z.string()),
});
export type ImportDictionaryRequest = z.infer<typeof importDictionarySchema>;

const levelTerm = z.object({ code: z.string(), name: z.string(), nameZh: z.string().nullable() });
export const codedTermSchema = z.discriminatedUnion('dictionary', [
  z.object({
    dictionary: z.literal('meddra'),
    version: z.string(),
    llt: levelTerm.extend({ current: z.boolean() }),
    pt: levelTerm,
    hlt: levelTerm,
    hlgt: levelTerm,
    soc: levelTerm,
  }),
  z.object({
    dictionary: z.literal('whodrug'),
    version: z.string(),
    drugCode: z.string(),
    name: z.string(),
    preferredName: z.string(),
    atcCode: z.string().nullable(),
    atcText: z.string().nullable(),
  }),
]);

export const suggestionSchema = z.object({
  code: z.string(),
  name: z.string(),
  language: z.string(),
  similarity: z.number(),
});

export const codingItemSchema = z.object({
  codingId: z.string(),
  dictionary,
  sourceType: z.enum(['adverse_event', 'conmed']),
  sourceId: z.string(),
  participantId: z.string(),
  participantLabel: z.string(),
  siteId: z.string(),
  verbatim: z.string(),
  status: z.enum(['coded', 'queued', 'query']),
  method: z.enum(['auto', 'manual']).nullable(),
  codedBy: z.string().nullable(),
  codedAt: z.string().nullable(),
  coded: codedTermSchema.nullable(),
  previous: z.object({ version: z.string(), code: z.string(), name: z.string() }).nullable(),
  requeueReason: z.string().nullable(),
  queryId: z.string().nullable(),
  suggestions: z.array(suggestionSchema),
  version: z.number().int(),
});
export type CodingItemView = z.infer<typeof codingItemSchema>;

export const codingListQuerySchema = z.strictObject({
  dictionary,
  /** `queue` (queued and queried, the default), `coded`, or `all`. */
  show: z.enum(['queue', 'coded', 'all']).default('queue'),
  search: z.string().trim().max(200).optional(),
});
export type CodingListQuery = z.infer<typeof codingListQuerySchema>;
export const codingListSchema = z.object({
  items: z.array(codingItemSchema),
  version: z.string().nullable(),
});

export const codingParamsSchema = z.strictObject({ codingId: z.uuid({ message: 'Not a coding item id.' }) });

export const pickCodeSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{8}$|^\d{12}$/, 'Give an 8-digit MedDRA LLT code or a 12-digit WHODrug drug code.'),
  version: z.number().int().min(1),
});
export type PickCodeRequest = z.infer<typeof pickCodeSchema>;

export const codingQuerySchema = z.strictObject({
  text: plainText(2000).pipe(z.string().trim().min(1, 'Say what the site should clarify.')),
  version: z.number().int().min(1),
});
export type CodingQueryRequest = z.infer<typeof codingQuerySchema>;

export const termSearchQuerySchema = z.strictObject({ search: z.string().trim().min(1).max(200) });
export const termSearchSchema = z.object({ terms: z.array(suggestionSchema) });
