import { type IncidenceRow, incidenceTable } from '../analysis/incidence.ts';

/** A system organ class with the participants having any event in it, and its preferred terms. */
export interface SocGroup {
  /** The SOC's name, or null for the group of events not coded yet. */
  soc: string | null;
  row: IncidenceRow;
  terms: Array<{ term: string; row: IncidenceRow; verbatims: string[] }>;
}

interface Tally {
  members: Set<string>;
  terms: Map<string, { members: Set<string>; verbatims: Set<string> }>;
}

/**
 * Adverse events by MedDRA preferred term within primary system organ class, as ICH E3 §12.2 tables
 * count them: participants with at least one event (a participant counts once per SOC and once per
 * PT), with the verbatims coded to each PT. Events not coded yet form an "uncoded" group (last),
 * grouped by verbatim (case-insensitive). Each count with its Clopper–Pearson interval.
 */
export function bySocAndTerm(
  events: ReadonlyArray<{
    participantId: string;
    verbatim: string;
    coded: { pt: string; soc: string } | null;
  }>,
  denominator: number,
): SocGroup[] {
  const tallies = new Map<string | null, Tally>();
  for (const event of events) {
    const soc = event.coded?.soc ?? null;
    const term = event.coded?.pt ?? (event.verbatim.toLowerCase() || '(term not recorded)');
    const tally = tallies.get(soc) ?? { members: new Set<string>(), terms: new Map() };
    tally.members.add(event.participantId);
    const entry = tally.terms.get(term) ?? { members: new Set<string>(), verbatims: new Set<string>() };
    entry.members.add(event.participantId);
    if (event.verbatim) entry.verbatims.add(event.verbatim);
    tally.terms.set(term, entry);
    tallies.set(soc, tally);
  }
  const row = (category: string, participants: number) =>
    incidenceTable([{ category, participants }], { denominator })[0] as IncidenceRow;
  const byCount = <T extends { members: Set<string> }>(a: [string | null, T], b: [string | null, T]) =>
    b[1].members.size - a[1].members.size || String(a[0]).localeCompare(String(b[0]));
  const coded = [...tallies.entries()].filter(([soc]) => soc !== null).sort(byCount);
  const uncoded = [...tallies.entries()].filter(([soc]) => soc === null);
  return [...coded, ...uncoded].map(([soc, tally]) => ({
    soc,
    row: row(soc ?? 'uncoded', tally.members.size),
    terms: [...tally.terms.entries()].sort(byCount).map(([term, entry]) => ({
      term,
      row: row(term, entry.members.size),
      verbatims: [...entry.verbatims].sort(),
    })),
  }));
}
