import { z } from 'zod';

/** Why a field has no value: explicit, never the same as a blank. */
export const missingReasons = ['not_done', 'unknown', 'not_applicable'] as const;
export type MissingReason = (typeof missingReasons)[number];

/** One field as stored in a form record. `revision` counts its changes (SDV is valid for one revision). */
export interface FieldEntry {
  value: unknown;
  missing?: MissingReason;
  missingReason?: string;
  revision: number;
}

export type Entries = Record<string, FieldEntry>;

/** One field as a client sends it: a value, or a missing-data code with a reason, or nothing (blank). */
export const fieldInputSchema = z.strictObject({
  value: z.unknown().optional(),
  missing: z.enum(missingReasons).optional(),
  missingReason: z.string().trim().max(500).optional(),
});
export type FieldInput = z.infer<typeof fieldInputSchema>;

export const isBlank = (field: { value?: unknown; missing?: MissingReason } | undefined): boolean =>
  field === undefined || ((field.value === null || field.value === undefined) && field.missing === undefined);

/** Two entries say the same thing (value and missing code); revisions aside. */
export function sameEntry(
  a: FieldInput | FieldEntry | undefined,
  b: FieldInput | FieldEntry | undefined,
): boolean {
  const valueA = a?.value ?? null;
  const valueB = b?.value ?? null;
  return (
    JSON.stringify(valueA) === JSON.stringify(valueB) &&
    (a?.missing ?? null) === (b?.missing ?? null) &&
    (a?.missingReason ?? null) === (b?.missingReason ?? null)
  );
}
