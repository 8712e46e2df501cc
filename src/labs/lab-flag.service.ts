import type { Selectable } from 'kysely';
import type { FieldEntry } from '../crf/entries.ts';
import type { FormRecordRow } from '../crf/form-record.queries.ts';
import type { Tx } from '../db/connection.ts';
import type { LabFlagTable, LabReferenceRangeTable } from '../db/schema-labs.ts';
import type { RuleInputValue } from '../protocol/rules/ast.ts';
import type { Protocol, ProtocolForm } from '../protocol/schema.ts';
import { labItems } from './lab-items.ts';
import { flagValue, selectRange } from './range-select.ts';
import { collectionItemOf, subjectAt } from './subject.ts';
import { convertUnit, significant } from './units.ts';

type RangeRow = Selectable<LabReferenceRangeTable>;
export type LabFlagRow = Selectable<LabFlagTable>;

export interface LabSave {
  protocol: Protocol;
  form: ProtocolForm;
  record: FormRecordRow;
  /** The items whose value changed in this save. */
  changed: readonly string[];
  /** The participant's values by `form.item` (sex, date of birth) as the save's checks read them. */
  values: Record<string, RuleInputValue>;
  /**
   * Flag again without a change of value (a new range, a corrected sex or date of birth): a flag that
   * comes out the same (same revision, flag and bounds) is kept with the investigator's judgement, and
   * only flags that change are written and returned.
   */
  keepUnchanged?: boolean;
}

/** Whether a stored flag says what a new computation says: then it and its judgement stand. */
const sameFlag = (
  stored: LabFlagRow | undefined,
  next: Pick<LabFlagRow, 'revision' | 'flag' | 'range_low' | 'range_high' | 'standard_low' | 'standard_high'>,
) =>
  stored !== undefined &&
  stored.revision === next.revision &&
  stored.flag === next.flag &&
  stored.range_low === next.range_low &&
  stored.range_high === next.range_high &&
  stored.standard_low === next.standard_low &&
  stored.standard_high === next.standard_high;

/** A range's bounds in the unit the value was entered in (SDTM LBORNRLO/HI), when that differs from the range's. */
function boundsIn(range: RangeRow, unit: string, molarMass: number | undefined) {
  const convert = (value: number | null) => {
    if (value === null) return null;
    const converted = convertUnit(value, range.unit, unit, molarMass);
    return converted.ok ? significant(converted.value) : null;
  };
  return range.unit === unit
    ? { low: range.low, high: range.high }
    : { low: convert(range.low), high: convert(range.high) };
}

/**
 * Flags the laboratory values a save changed, in the save's transaction: each against the site's range
 * that applies to the participant's sex and age at collection, kept with the range's bounds (in the
 * laboratory's unit as entered and in the item's unit). A changed value replaces its flag and clears
 * the investigator's judgement of the old one; a value cleared or marked not done has no flag. Returns
 * the flag rows written, for grading.
 */
export async function flagLabValues(trx: Tx, studyId: string, save: LabSave): Promise<LabFlagRow[]> {
  const items = labItems(save.protocol).filter(
    (lab) => lab.formId === save.form.id && save.changed.includes(lab.item.id),
  );
  if (items.length === 0) return [];
  const { record } = save;
  const entries = record.entries as Record<string, FieldEntry>;
  const collectionItem = collectionItemOf(save.form);
  const collectedValue = collectionItem ? entries[collectionItem]?.value : undefined;
  const collectedOn = typeof collectedValue === 'string' ? collectedValue : null;
  const subject = subjectAt(save.protocol, save.values, collectedOn);
  const ranges = await trx
    .selectFrom('lab_reference_range')
    .selectAll()
    .where('study_id', '=', studyId)
    .where('site_id', '=', record.site_id)
    .where(
      'item_key',
      'in',
      items.map((lab) => lab.key),
    )
    .execute();
  const stored = save.keepUnchanged
    ? await trx
        .selectFrom('lab_flag')
        .selectAll()
        .where('study_id', '=', studyId)
        .where('record_id', '=', record.record_id)
        .execute()
    : [];
  const written: LabFlagRow[] = [];
  for (const lab of items) {
    const entry = entries[lab.item.id];
    const previous = stored.find((row) => row.item_id === lab.item.id);
    if (!entry || entry.missing || typeof entry.value !== 'number') {
      // A value cleared or marked not done has no flag.
      if (!save.keepUnchanged || previous) await deleteFlag(trx, studyId, record.record_id, lab.item.id);
      continue;
    }
    const measured = entry.value;
    const range = selectRange(
      ranges
        .filter((row) => row.item_key === lab.key)
        .map((row) => ({
          ...row,
          ageLow: row.age_low,
          ageHigh: row.age_high,
          standardLow: row.standard_low,
          standardHigh: row.standard_high,
        })),
      subject,
    );
    const enteredUnit = entry.original?.unit ?? lab.unit;
    const bounds = range ? boundsIn(range, enteredUnit, lab.item.molarMass) : null;
    const computed = {
      revision: entry.revision,
      flag: range ? flagValue(measured, range) : null,
      range_low: bounds?.low ?? null,
      range_high: bounds?.high ?? null,
      standard_low: range?.standard_low ?? null,
      standard_high: range?.standard_high ?? null,
    };
    if (save.keepUnchanged && previous && sameFlag(previous, computed)) {
      // The same bounds from a range imported again: the flag and its judgement stand, under the new range's id.
      if (range && previous.range_id !== range.range_id) {
        await trx
          .updateTable('lab_flag')
          .set({ range_id: range.range_id })
          .where('study_id', '=', studyId)
          .where('record_id', '=', record.record_id)
          .where('item_id', '=', lab.item.id)
          .execute();
      }
      continue;
    }
    await deleteFlag(trx, studyId, record.record_id, lab.item.id);
    const row = await trx
      .insertInto('lab_flag')
      .values({
        study_id: studyId,
        record_id: record.record_id,
        item_id: lab.item.id,
        participant_id: record.participant_id,
        site_id: record.site_id,
        visit_id: record.visit_id,
        item_key: lab.key,
        ...computed,
        collected_on: collectedOn,
        value: measured,
        unit: lab.unit,
        original_value: entry.original?.value ?? null,
        original_unit: entry.original?.unit ?? null,
        range_id: range?.range_id ?? null,
        range_unit: range ? enteredUnit : null,
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    written.push(row);
  }
  return written;
}

async function deleteFlag(trx: Tx, studyId: string, recordId: string, itemId: string): Promise<void> {
  await trx
    .deleteFrom('lab_flag')
    .where('study_id', '=', studyId)
    .where('record_id', '=', recordId)
    .where('item_id', '=', itemId)
    .execute();
}
