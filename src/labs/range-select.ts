/** A reference range as selection sees it: who it applies to and its bounds in the item's unit. */
export interface ApplicableRange {
  sex: 'M' | 'F' | null;
  ageLow: number | null;
  ageHigh: number | null;
  standardLow: number | null;
  standardHigh: number | null;
}

export interface Subject {
  sex: 'M' | 'F' | null;
  /** Whole years at collection; null when not known. */
  age: number | null;
}

const fitsAge = (range: ApplicableRange, age: number | null) =>
  (range.ageLow === null && range.ageHigh === null) ||
  (age !== null && (range.ageLow ?? 0) <= age && age <= (range.ageHigh ?? Number.POSITIVE_INFINITY));

/** How closely a range describes the subject: a range for their sex beats one for either; a band beats no band. */
const specificity = (range: ApplicableRange) =>
  (range.sex !== null ? 2 : 0) + (range.ageLow !== null || range.ageHigh !== null ? 1 : 0);

/**
 * The range that applies to a participant at collection: among the site's ranges of the item, those
 * whose sex is theirs or either and whose age band (inclusive) holds their age; the most specific wins
 * (own sex before either, an age band before none). A range for one sex never applies when the sex is
 * unknown, nor a banded range when the age is. Null when none applies: the value is not flagged.
 */
export function selectRange<T extends ApplicableRange>(ranges: readonly T[], subject: Subject): T | null {
  const candidates = ranges.filter(
    (range) => (range.sex === null || range.sex === subject.sex) && fitsAge(range, subject.age),
  );
  let best: T | null = null;
  for (const range of candidates) if (best === null || specificity(range) > specificity(best)) best = range;
  return best;
}

export type LabFlag = 'low' | 'normal' | 'high';

/** Low below the lower bound, high above the upper bound, normal on or within them (CDISC LBNRIND). */
export function flagValue(
  value: number,
  range: Pick<ApplicableRange, 'standardLow' | 'standardHigh'>,
): LabFlag {
  if (range.standardLow !== null && value < range.standardLow) return 'low';
  if (range.standardHigh !== null && value > range.standardHigh) return 'high';
  return 'normal';
}

/** Whole years between a birth date and a collection date (both `YYYY-MM-DD`): the age at collection. */
export function ageOn(birthDate: string, on: string): number {
  const [birthYear, birthRest] = [Number(birthDate.slice(0, 4)), birthDate.slice(5)];
  const [year, rest] = [Number(on.slice(0, 4)), on.slice(5)];
  return year - birthYear - (rest < birthRest ? 1 : 0);
}
