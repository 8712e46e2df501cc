import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { mersenne } from 'pure-rand/generator/mersenne';

/** One kit of the list, as generated. */
export interface KitEntry {
  sequence: number;
  kitNumber: string;
  kitType: string;
}

/** Each kit type with its share: the sum of its arms' shares in the allocation ratio. */
export interface KitDesign {
  shares: Record<string, number>;
}

/** Kit numbers are drawn from K-100000 … K-999999: six digits that say nothing of the order or the type. */
const LOWEST = 100_000;
const HIGHEST = 999_999;

/**
 * A kit list: `kitCount` rounded up to whole cycles of the shares (so the types come in the arms'
 * ratio), the types shuffled by Fisher–Yates, each kit given a distinct random number. The draws come
 * from one Mersenne Twister seeded with `seed` (as the randomisation list), so the same seed and
 * design always give the same list.
 */
export function generateKitList(
  design: KitDesign,
  kitCount: number,
  seed: number,
  /** For a block that extends a list: the numbers already listed (never drawn again) and the last sequence. */
  after: { numbers: ReadonlySet<string>; lastSequence: number } = { numbers: new Set(), lastSequence: 0 },
): KitEntry[] {
  const types = Object.keys(design.shares).sort();
  const cycle = types.reduce((sum, type) => sum + (design.shares[type] ?? 0), 0);
  const cycles = Math.ceil(kitCount / cycle);
  const kitTypes = types.flatMap((type) => new Array<string>(cycles * (design.shares[type] ?? 0)).fill(type));
  const rng = mersenne(seed);
  for (let index = kitTypes.length - 1; index > 0; index--) {
    const other = uniformInt(rng, 0, index);
    [kitTypes[index], kitTypes[other]] = [kitTypes[other] as string, kitTypes[index] as string];
  }
  const used = new Set<string>(after.numbers);
  return kitTypes.map((kitType, index) => {
    let kitNumber = `K-${uniformInt(rng, LOWEST, HIGHEST)}`;
    while (used.has(kitNumber)) kitNumber = `K-${uniformInt(rng, LOWEST, HIGHEST)}`;
    used.add(kitNumber);
    return { sequence: after.lastSequence + index + 1, kitNumber, kitType };
  });
}

/** SHA-256 of the kit list's canonical JSON (RFC 8785: seed, design, entries by sequence). */
export function kitListHash(seed: number, design: unknown, entries: readonly KitEntry[]): string {
  const ordered = [...entries].sort((a, b) => a.sequence - b.sequence);
  const canonical = canonicalize({
    seed,
    design,
    entries: ordered.map((entry) => [entry.sequence, entry.kitNumber, entry.kitType]),
  });
  if (canonical === undefined) throw new Error('kit list cannot be canonicalised');
  return createHash('sha256').update(canonical).digest('hex');
}
