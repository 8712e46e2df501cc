import type { StratificationFactor } from '../protocol/schema-randomisation.ts';

/** One stratum: a level of each factor, named by a canonical key such as `site=ruijin|severity=critical`. */
export interface Stratum {
  key: string;
  levels: Record<string, string>;
}

export const stratumKey = (
  factors: readonly StratificationFactor[],
  levels: Record<string, string>,
): string => factors.map((factor) => `${factor.id}=${levels[factor.id] ?? ''}`).join('|');

/** The levels a factor can take: the study's sites (sorted, so the order never depends on the database) or the protocol's levels. */
export function factorLevels(factor: StratificationFactor, siteIds: readonly string[]): string[] {
  return factor.source === 'site' ? [...siteIds].sort() : factor.levels.map((level) => level.id);
}

/** Every combination of the factors' levels, in a fixed order (the first factor varies slowest). */
export function allStrata(factors: readonly StratificationFactor[], siteIds: readonly string[]): Stratum[] {
  let combinations: Array<Record<string, string>> = [{}];
  for (const factor of factors) {
    const levels = factorLevels(factor, siteIds);
    combinations = combinations.flatMap((partial) =>
      levels.map((level) => ({ ...partial, [factor.id]: level })),
    );
  }
  return combinations.map((levels) => ({ key: stratumKey(factors, levels), levels }));
}

/** What a participant's screening data say for one item factor: its level, or why it has none. */
export function levelOfValue(
  factor: Extract<StratificationFactor, { source: 'item' }>,
  value: unknown,
): { level: string } | { missing: string } {
  if (value === null || value === undefined || value === '') {
    return { missing: `${factor.item} is not recorded: enter it on the screening form before enrolment` };
  }
  const level = factor.levels.find((candidate) => candidate.values.some((allowed) => allowed === value));
  return level
    ? { level: level.id }
    : {
        missing: `${factor.item} is ${JSON.stringify(value)}, which is in no level of the factor ${factor.id}`,
      };
}
