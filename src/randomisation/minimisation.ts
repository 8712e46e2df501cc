import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';

export interface MinimisationDesign {
  ratio: Record<string, number>;
  factors: ReadonlyArray<{ id: string; weight: number }>;
  imbalance: 'range' | 'variance';
  preferredArmProbability: number;
}

/** A participant already allocated: their level of each factor and their arm. */
export interface PriorAllocation {
  levels: Record<string, string>;
  arm: string;
}

export interface MinimisationResult {
  arm: string;
  /** The total weighted imbalance were the participant given each arm (G in Pocock and Simon). */
  scores: Record<string, number>;
  /** The arms of least imbalance; one of them was preferred. */
  preferred: string[];
  /** The uniform draws used, recorded so the choice can be re-done by hand. */
  draws: [number, number];
}

const imbalanceOf = (counts: number[], kind: 'range' | 'variance'): number => {
  if (kind === 'range') return Math.max(...counts) - Math.min(...counts);
  const mean = counts.reduce((sum, count) => sum + count, 0) / counts.length;
  return counts.reduce((sum, count) => sum + (count - mean) ** 2, 0) / (counts.length - 1);
};

/**
 * Pocock–Simon minimisation (Biometrics 1975;31:103–115). For each candidate arm, the participant is
 * added to that arm's count among prior participants sharing their level of each factor; the counts,
 * each divided by the arm's ratio share, give an imbalance (range or sample variance) per factor, and
 * the weighted sum over factors is the arm's score G. An arm of least G is taken with probability p
 * (several tie: one of them at random); otherwise one of the other arms at random. When every arm
 * ties, one is drawn at random. `draws` are two uniform numbers in [0, 1): the first decides
 * preferred-or-not, the second picks within the chosen group.
 */
export function minimise(
  design: MinimisationDesign,
  prior: readonly PriorAllocation[],
  levels: Record<string, string>,
  draws: [number, number],
): MinimisationResult {
  const arms = Object.keys(design.ratio).sort();
  const scores: Record<string, number> = {};
  for (const candidate of arms) {
    let total = 0;
    for (const factor of design.factors) {
      const counts = arms.map((arm) => {
        const same = prior.filter((p) => p.arm === arm && p.levels[factor.id] === levels[factor.id]).length;
        return (same + (arm === candidate ? 1 : 0)) / (design.ratio[arm] ?? 1);
      });
      total += factor.weight * imbalanceOf(counts, design.imbalance);
    }
    scores[candidate] = total;
  }
  const least = Math.min(...arms.map((arm) => scores[arm] as number));
  const preferred = arms.filter((arm) => scores[arm] === least);
  const others = arms.filter((arm) => scores[arm] !== least);
  const pick = (group: string[]) =>
    group[Math.min(group.length - 1, Math.floor(draws[1] * group.length))] as string;
  const takePreferred = others.length === 0 || draws[0] < design.preferredArmProbability;
  return { arm: pick(takePreferred ? preferred : others), scores, preferred, draws };
}

/**
 * The two draws for the n-th allocation (0-based) of a study: draws 2n and 2n + 1 of the Mersenne
 * Twister (MT19937) seeded with the list's recorded seed, so the whole series is reproduced from the
 * seed and the allocations' order.
 */
export function minimisationDraws(seed: number, index: number): [number, number] {
  const rng = mersenne(seed);
  for (let skipped = 0; skipped < 2 * index; skipped++) uniformFloat64(rng);
  return [uniformFloat64(rng), uniformFloat64(rng)];
}
