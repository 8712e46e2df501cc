import { clopperPearson } from './binomial.ts';

export interface IncidenceCount {
  /** e.g. a MedDRA preferred term, a CTCAE grade or "serious". */
  category: string;
  /** Participants with at least one event in the category (not the number of events). */
  participants: number;
  /** Participants at risk for this category; the common denominator when omitted. */
  denominator?: number;
}

export interface IncidenceRow {
  category: string;
  participants: number;
  denominator: number;
  proportion: number;
  /** Two-sided Clopper–Pearson limits. */
  lower: number;
  upper: number;
  confLevel: number;
}

/**
 * Incidence proportions of adverse events by category, x/n with two-sided Clopper–Pearson exact
 * limits (see `clopperPearson`; R: binom.test(x, n)$conf.int), in the order given. Counts are
 * participants with the event, so each row is a binomial proportion (ICH E3 §12.2 tables).
 */
export function incidenceTable(
  counts: readonly IncidenceCount[],
  options: { denominator?: number; confLevel?: number } = {},
): IncidenceRow[] {
  const confLevel = options.confLevel ?? 0.95;
  return counts.map((count) => {
    const denominator = count.denominator ?? options.denominator;
    if (denominator === undefined) {
      throw new RangeError(`category "${count.category}": give a denominator for it or a common one`);
    }
    if (!Number.isInteger(denominator) || denominator < 1) {
      throw new RangeError(
        `category "${count.category}": the denominator must be a positive integer, got ${denominator}`,
      );
    }
    if (!Number.isInteger(count.participants) || count.participants < 0 || count.participants > denominator) {
      throw new RangeError(
        `category "${count.category}": participants must be a whole number from 0 to ${denominator}, got ${count.participants}`,
      );
    }
    const interval = clopperPearson(count.participants, denominator, { confLevel });
    return {
      category: count.category,
      participants: count.participants,
      denominator,
      proportion: count.participants / denominator,
      lower: interval.lower,
      upper: interval.upper,
      confLevel,
    };
  });
}
