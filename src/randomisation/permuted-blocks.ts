import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { mersenne } from 'pure-rand/generator/mersenne';
import type { Stratum } from './strata.ts';

/** One line of a sealed list: the n-th allocation of a stratum. */
export interface ListEntry {
  stratum: string;
  /** 1, 2, … within the stratum: allocations take them in this order. */
  sequence: number;
  block: number;
  blockSize: number;
  arm: string;
  /** Unique in the study and blind: it says the stratum and the order, never the arm. */
  randomisationNumber: string;
}

export interface BlockDesign {
  ratio: Record<string, number>;
  blockSizes: readonly number[];
  entriesPerStratum: number;
}

/** Arms in a fixed (sorted) order, so the list depends on the seed and the design only. */
const armsOf = (ratio: Record<string, number>) => Object.keys(ratio).sort();

export const randomisationNumber = (stratumIndex: number, sequence: number): string =>
  `R${String(stratumIndex + 1).padStart(2, '0')}-${String(sequence).padStart(4, '0')}`;

/**
 * Stratified permuted blocks with random block sizes (ICH E9 §2.3.1): in each stratum, blocks are
 * added until `entriesPerStratum` are listed; each block's size is drawn uniformly from `blockSizes`
 * and holds each arm `size / Σratio × share` times, shuffled by Fisher–Yates. The draws come from one
 * Mersenne Twister (MT19937, R's default generator) seeded with `seed`, the strata taken in their fixed
 * order, so the same seed, design and strata always give the same list. (xoroshiro128+ seeded with a
 * small whole number gives poorly mixed first draws: 0.99… for seeds 1 and 4242.)
 */
export function generateBlockList(
  design: BlockDesign,
  strata: readonly Stratum[],
  seed: number,
): ListEntry[] {
  const arms = armsOf(design.ratio);
  const cycle = arms.reduce((sum, arm) => sum + (design.ratio[arm] ?? 0), 0);
  const entries: ListEntry[] = [];
  const rng = mersenne(seed);
  strata.forEach((stratum, stratumIndex) => {
    let sequence = 0;
    for (let block = 1; sequence < design.entriesPerStratum; block++) {
      const blockSize = design.blockSizes[uniformInt(rng, 0, design.blockSizes.length - 1)] as number;
      const cycles = blockSize / cycle;
      const contents = arms.flatMap((arm) => new Array<string>(cycles * (design.ratio[arm] ?? 0)).fill(arm));
      for (let index = contents.length - 1; index > 0; index--) {
        const other = uniformInt(rng, 0, index);
        [contents[index], contents[other]] = [contents[other] as string, contents[index] as string];
      }
      for (const arm of contents) {
        sequence += 1;
        entries.push({
          stratum: stratum.key,
          sequence,
          block,
          blockSize,
          arm,
          randomisationNumber: randomisationNumber(stratumIndex, sequence),
        });
      }
    }
  });
  return entries;
}

/**
 * SHA-256 of the list's canonical JSON (RFC 8785: the seed, the design as generated, and the entries
 * ordered by stratum then sequence), stored at generation and checked at sealing and on every view:
 * any later change to an entry, the seed or the design no longer matches it.
 */
export function listHash(seed: number, design: unknown, entries: readonly ListEntry[]): string {
  const ordered = [...entries].sort((a, b) =>
    a.stratum === b.stratum ? a.sequence - b.sequence : a.stratum < b.stratum ? -1 : 1,
  );
  const canonical = canonicalize({
    seed,
    design,
    entries: ordered.map((entry) => [
      entry.stratum,
      entry.sequence,
      entry.block,
      entry.blockSize,
      entry.arm,
      entry.randomisationNumber,
    ]),
  });
  if (canonical === undefined) throw new Error('randomisation list cannot be canonicalised');
  return createHash('sha256').update(canonical).digest('hex');
}
