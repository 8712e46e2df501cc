/**
 * A small seeded pseudo-random generator for synthetic data: mulberry32 (Tommy Ettinger, public
 * domain), 32 bits of state, period 2^32. Not for anything secret; chosen because it is a dozen lines,
 * fast, and gives the same sequence for a seed on every platform, so a seed reproduces a whole trial.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [low, high], both included. */
  int(low: number, high: number): number;
  /** A number in [low, high) rounded to `decimals` places. */
  decimal(low: number, high: number, decimals: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A normal deviate (Box–Muller), clamped to [low, high] and rounded to `decimals` places. */
  normal(mean: number, sd: number, low: number, high: number, decimals?: number): number;
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream derived from this seed and a label, so adding draws in one place does not shift another. */
  fork(label: string): Random;
}

const round = (value: number, decimals: number) => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

/** FNV-1a of a string, to turn labels into seeds. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const random: Random = {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    decimal: (low, high, decimals) => round(low + next() * (high - low), decimals),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    normal: (mean, sd, low, high, decimals = 0) => {
      const u = 1 - next();
      const v = next();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return round(Math.min(high, Math.max(low, mean + sd * z)), decimals);
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
      }
      return copy;
    },
    fork: (label) => seededRandom((hashLabel(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0),
  };
  return random;
}
