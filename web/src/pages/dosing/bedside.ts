import type { FieldInput } from '../../../../src/crf/entries.ts';
import type { FormRecordView } from '../../api/trial.ts';

type Draft = Record<string, FieldInput>;

/**
 * Which items of the dose-vitals form describe the circumstances of a reading rather than measure it
 * (whether the participant was at rest, what oxygen support they had), and which gives its time: the
 * protocol's `doseVitals`. Context items may be carried from an earlier reading of the same dose day,
 * but only with a visible mark that someone confirms; the measurements themselves never are.
 */
export interface ReadingItems {
  carried: readonly string[];
  assessedAt: string;
}

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
export function carriedContext(
  items: ReadingItems,
  current: FormRecordView,
  earlier: FormRecordView[],
): Carried | null {
  const context = items.carried;
  if (context.some((itemId) => current.entries[itemId] !== undefined)) return null;
  const source = [...earlier].reverse().find((record) => context.some((id) => hasValue(record, id)));
  if (!source) return null;
  const values: Draft = {};
  for (const itemId of context) {
    if (hasValue(source, itemId)) values[itemId] = { value: source.entries[itemId]?.value };
  }
  const assessed = source.entries[items.assessedAt]?.value;
  return {
    values,
    fromTime: typeof assessed === 'string' ? assessed.slice(0, 16) : null,
    fromVisitKey: source.visitKey,
  };
}
