// Pure: the note shown beside an event's causality when the two reporting answers differ. A
// "conditional" or "unassessable" judgement is not an adverse reaction in the tables, yet counts as
// possibly related for expedited reporting (SUSAR clocks); without the note the SUSAR badge on a
// "not related" event reads as a mistake.

export type CausalityNoteKey = 'safety.expeditedOnly';

/** The translation key of the note for an event's relatedness, or null when none is needed. */
export function causalityNoteKey(summary: {
  related: boolean | null;
  expedited: boolean | null;
}): CausalityNoteKey | null {
  return summary.expedited === true && summary.related === false ? 'safety.expeditedOnly' : null;
}
