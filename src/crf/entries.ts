import { z } from 'zod';

/** Why a field has no value: explicit, never the same as a blank. */
export const missingReasons = ['not_done', 'unknown', 'not_applicable'] as const;
export type MissingReason = (typeof missingReasons)[number];

/** One field as stored in a form record. `revision` counts its changes (SDV is valid for one revision). */
export interface FieldEntry {
  value: unknown;
  /** A value entered in another of the item's units: as entered; `value` holds it in the item's unit. */
  original?: OriginalValue;
  missing?: MissingReason;
  missingReason?: string;
  revision: number;
}

export type Entries = Record<string, FieldEntry>;

// Text PostgreSQL cannot store (NUL; a lone UTF-16 surrogate, which text and jsonb refuse) or that has
// no place in a clinical record (other control characters). Tab, line feed and carriage return are fine.
const UNSTORABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a text holds characters that cannot be stored (see UNSTORABLE). */
export const hasUnstorableCharacters = (text: string): boolean => UNSTORABLE.test(text);

/** Free text from a client (reasons, query messages): trimmed, at most `max` characters, storable. */
export const plainText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((text) => !hasUnstorableCharacters(text), {
      message: 'Remove control characters and broken (unpaired surrogate) characters.',
    });

/** An identifier or filter from a client (visit key, form id, site id): as given, storable. */
export const plainId = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((text) => !hasUnstorableCharacters(text), { message: 'Remove control characters.' });

/** A measurement as entered, before conversion to its item's unit (UCUM code). */
export interface OriginalValue {
  value: number;
  unit: string;
}

/**
 * One field as a client sends it: a value, or a missing-data code with a reason, or nothing (blank).
 * `unit` names the UCUM unit of a measurement entered in another of its item's units (protocol `units`).
 */
export const fieldInputSchema = z.strictObject({
  value: z.unknown().optional(),
  unit: plainId(40).optional(),
  missing: z.enum(missingReasons).optional(),
  missingReason: plainText(500).optional(),
});
export type FieldInput = z.infer<typeof fieldInputSchema>;

/** A field ready to store: a measurement in another unit already converted, its entry kept as `original`. */
export type StoredInput = Omit<FieldInput, 'unit'> & { original?: OriginalValue };

/** A value that says nothing: none, or a text of only spaces (a required text so filled is still empty). */
export const isBlankValue = (value: unknown): boolean =>
  value === null || value === undefined || (typeof value === 'string' && value.trim() === '');

export const isBlank = (field: { value?: unknown; missing?: MissingReason } | undefined): boolean =>
  field === undefined || (isBlankValue(field.value) && field.missing === undefined);

/** Two entries say the same thing (value and missing code); revisions aside. */
export function sameEntry(
  a: StoredInput | FieldEntry | undefined,
  b: StoredInput | FieldEntry | undefined,
): boolean {
  const valueA = a?.value ?? null;
  const valueB = b?.value ?? null;
  return (
    JSON.stringify(valueA) === JSON.stringify(valueB) &&
    JSON.stringify(a?.original ?? null) === JSON.stringify(b?.original ?? null) &&
    (a?.missing ?? null) === (b?.missing ?? null) &&
    (a?.missingReason ?? null) === (b?.missingReason ?? null)
  );
}
