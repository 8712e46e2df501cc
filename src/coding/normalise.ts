/**
 * The key a verbatim and a dictionary name are matched on: Unicode NFKC (so full-width "ＣＯＵＧＨ" and
 * half-width "COUGH" are one), lower case, runs of white space as one space, no space at either end.
 */
export function matchKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * The character trigrams of a match key, padded as PostgreSQL's pg_trgm pads a word (two spaces
 * before, one after), so a short name still has trigrams and its start weighs more. Characters, not
 * bytes: a Chinese name of two characters gives trigrams like any other.
 */
export function trigrams(key: string): Set<string> {
  const characters = Array.from(`  ${key} `);
  const grams = new Set<string>();
  for (let index = 0; index + 3 <= characters.length; index += 1) {
    grams.add(characters.slice(index, index + 3).join(''));
  }
  return grams;
}

/** pg_trgm's similarity: shared trigrams over the trigrams of either (Jaccard), 0 … 1. */
export function trigramSimilarity(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

export interface Candidate {
  code: string;
  name: string;
  language: string;
  matchKey: string;
}

/**
 * The names closest to a verbatim by trigram similarity, best first, at most `limit`, each at least
 * `floor` similar; one per code (its closest name), so an LLT's English and Chinese names do not
 * take two places.
 */
export function closestNames(
  verbatim: string,
  candidates: readonly Candidate[],
  limit = 5,
  floor = 0.2,
): Array<Candidate & { similarity: number }> {
  const target = trigrams(matchKey(verbatim));
  const best = new Map<string, Candidate & { similarity: number }>();
  for (const candidate of candidates) {
    const similarity = trigramSimilarity(target, trigrams(candidate.matchKey));
    if (similarity < floor) continue;
    const held = best.get(candidate.code);
    if (!held || similarity > held.similarity) best.set(candidate.code, { ...candidate, similarity });
  }
  return [...best.values()]
    .sort((a, b) => b.similarity - a.similarity || a.name.localeCompare(b.name))
    .slice(0, limit);
}
