/** One evaluable observation of an outcome's rule on a participant's record, on its study day. */
export interface RuleObservation {
  day: number;
  result: boolean;
}

/**
 * The day of a time-to-event outcome's event over a participant's series, ordered by day. Without
 * confirmation, the first day the rule holds. With `confirmedAfterDays` n, the first day the rule holds
 * that is confirmed by a later observation at least n days after it on which the rule holds again,
 * with no observation between them on which it fails: viral clearance is the first of two negative
 * RT-PCR tests taken 24 h apart (n = 1 for tests dated by day). Null when no event is confirmed.
 */
export function eventDay(
  observations: readonly RuleObservation[],
  confirmedAfterDays: number | undefined,
): number | null {
  if (confirmedAfterDays === undefined) return observations.find((entry) => entry.result)?.day ?? null;
  for (const [index, first] of observations.entries()) {
    if (!first.result) continue;
    for (const later of observations.slice(index + 1)) {
      if (!later.result) break;
      if (later.day - first.day >= confirmedAfterDays) return first.day;
    }
  }
  return null;
}
