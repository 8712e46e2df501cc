import type { LocalizedText, Protocol } from '../protocol/schema.ts';

// Pure: what a causality judgement means for reporting. Two questions with different answers:
// "related" decides adverse reactions in tables and analyses; "expedited" decides whether a serious
// unexpected event is a suspected reaction (SUSAR) with a regulator clock. A WHO-UMC "conditional" or
// "unassessable" judgement means a relationship could not be ruled out, and regulators expect such an
// event to be reported as possibly related, so by default it counts for expedited reporting.

type CausalityCategory = Protocol['safety']['causality']['categories'][number];

/** WHO-UMC categories (and their alternative names) that are possibly related for expedited reporting. */
export const UNRESOLVED_CAUSALITY = new Set([
  'conditional',
  'unclassified',
  'unassessable',
  'unclassifiable',
]);

export interface CausalityMapping {
  id: string;
  label: LocalizedText;
  /** Counts as an adverse reaction in tables and analyses. */
  related: boolean;
  /** Counts as possibly related for expedited reporting (SUSAR clocks). */
  expedited: boolean;
  /** Whether `expedited` was written in the protocol or is the default. */
  expeditedSource: 'protocol' | 'default';
}

/** A category's expedited-reporting answer: the protocol's, else related or an unresolved WHO-UMC judgement. */
export function countsForExpedited(category: CausalityCategory): boolean {
  return category.expedited ?? (category.related || UNRESOLVED_CAUSALITY.has(category.id));
}

/** The protocol's causality scale mapped for reporting, one row per category in the protocol's order. */
export function causalityMapping(protocol: Protocol): CausalityMapping[] {
  return protocol.safety.causality.categories.map((category) => ({
    id: category.id,
    label: category.label,
    related: category.related,
    expedited: countsForExpedited(category),
    expeditedSource: category.expedited === undefined ? 'default' : 'protocol',
  }));
}

/** Relatedness of one judgement; null while not assessed (or not a category of the protocol). */
export function relatednessOf(
  protocol: Protocol,
  causality: string | null,
): { related: boolean; expedited: boolean } | null {
  const category = protocol.safety.causality.categories.find((entry) => entry.id === causality);
  return category ? { related: category.related, expedited: countsForExpedited(category) } : null;
}
