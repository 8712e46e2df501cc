import type { FieldInput } from '../../../../src/crf/entries.ts';
import type { FormRecordView } from '../../api/trial.ts';

type Draft = Record<string, FieldInput>;

/**
 * The circumstances of a vital-signs reading rather than a measurement: whether the participant was at
 * rest and what oxygen support they had. They may be carried from an earlier reading of the same dose
 * day, but only with a visible mark that someone confirms; the measurements themselves never are.
 */
export const CONTEXT_ITEMS = ['atRest', 'oxygenSupport', 'oxygenFlow', 'fio2Setting'] as const;

/** A record's saved fields as an editor holds them: value, or missing code with its reason. */
export function draftOf(record: FormRecordView): Draft {
  const draft: Draft = {};
  for (const [itemId, entry] of Object.entries(record.entries)) {
    draft[itemId] = entry.missing
      ? { missing: entry.missing, missingReason: entry.missingReason ?? '' }
      : { value: entry.value };
  }
  return draft;
}

const hasValue = (record: FormRecordView, itemId: string) => {
  const entry = record.entries[itemId];
  return entry !== undefined && entry.value !== null && entry.value !== undefined;
};

export interface Carried {
  values: Draft;
  /** The earlier reading's time of measurement as typed (site time, `YYYY-MM-DDTHH:MM`), if saved. */
  fromTime: string | null;
  fromVisitKey: string;
}

/**
 * The context items to carry into a reading that has none saved: those of the latest earlier reading of
 * the same day (`earlier` in schedule order) that has any. Nothing when the reading already has one.
 */
export function carriedContext(current: FormRecordView, earlier: FormRecordView[]): Carried | null {
  if (CONTEXT_ITEMS.some((itemId) => current.entries[itemId] !== undefined)) return null;
  const source = [...earlier].reverse().find((record) => CONTEXT_ITEMS.some((id) => hasValue(record, id)));
  if (!source) return null;
  const values: Draft = {};
  for (const itemId of CONTEXT_ITEMS) {
    if (hasValue(source, itemId)) values[itemId] = { value: source.entries[itemId]?.value };
  }
  const assessed = source.entries.assessedAt?.value;
  return {
    values,
    fromTime: typeof assessed === 'string' ? assessed.slice(0, 16) : null,
    fromVisitKey: source.visitKey,
  };
}
