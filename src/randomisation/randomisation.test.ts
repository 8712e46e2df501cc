import { describe, expect, it } from 'vitest';
import { type MinimisationDesign, minimisationDraws, minimise } from './minimisation.ts';
import { generateBlockList, type ListEntry, listHash } from './permuted-blocks.ts';
import { allStrata, levelOfValue } from './strata.ts';

const design = { ratio: { active: 2, placebo: 1 }, blockSizes: [3, 6], entriesPerStratum: 30 };
const strata = allStrata(
  [
    { id: 'site', source: 'site', weight: 1 },
    {
      id: 'severity',
      source: 'item',
      item: 'screening.diseaseSeverity',
      weight: 1,
      levels: [
        { id: 'severe', values: ['severe'] },
        { id: 'critical', values: ['critical'] },
      ],
    },
  ],
  ['wuhan', 'ruijin'],
);

const blocksOf = (entries: ListEntry[]) => {
  const blocks = new Map<string, ListEntry[]>();
  for (const entry of entries) {
    const key = `${entry.stratum}#${entry.block}`;
    blocks.set(key, [...(blocks.get(key) ?? []), entry]);
  }
  return [...blocks.values()];
};

describe('stratified permuted blocks', () => {
  it('crosses the factors into strata in a fixed order, sites sorted', () => {
    expect(strata.map((stratum) => stratum.key)).toEqual([
      'site=ruijin|severity=severe',
      'site=ruijin|severity=critical',
      'site=wuhan|severity=severe',
      'site=wuhan|severity=critical',
    ]);
  });

  it('keeps the 2:1 ratio exactly within every block, each block of a listed size', () => {
    const entries = generateBlockList(design, strata, 20261205);
    const blocks = blocksOf(entries);
    expect(blocks.length).toBeGreaterThan(strata.length);
    for (const block of blocks) {
      const size = block[0]?.blockSize ?? 0;
      expect([3, 6]).toContain(size);
      expect(block).toHaveLength(size);
      expect(block.filter((entry) => entry.arm === 'active')).toHaveLength((size / 3) * 2);
      expect(block.filter((entry) => entry.arm === 'placebo')).toHaveLength(size / 3);
    }
    // Both sizes are drawn, and each stratum lists at least the entries asked for, in whole blocks.
    expect(new Set(blocks.map((block) => block[0]?.blockSize))).toEqual(new Set([3, 6]));
    for (const stratum of strata) {
      const own = entries.filter((entry) => entry.stratum === stratum.key);
      expect(own.length).toBeGreaterThanOrEqual(30);
      expect(own.length).toBeLessThan(36);
      expect(own.map((entry) => entry.sequence)).toEqual(own.map((_, index) => index + 1));
    }
    expect(new Set(entries.map((entry) => entry.randomisationNumber)).size).toBe(entries.length);
  });

  it('is reproduced by its seed, and another seed gives another list', () => {
    const first = generateBlockList(design, strata, 42);
    const again = generateBlockList(design, strata, 42);
    expect(again).toEqual(first);
    expect(listHash(42, design, again)).toBe(listHash(42, design, first));
    const other = generateBlockList(design, strata, 43);
    expect(other.map((entry) => entry.arm)).not.toEqual(first.map((entry) => entry.arm));
    expect(listHash(43, design, other)).not.toBe(listHash(42, design, first));
  });

  it('draws block sizes evenly from the list from the first block on, whatever the seed', () => {
    const long = { ...design, entriesPerStratum: 900 };
    for (const seed of [0, 1, 4242]) {
      const blocks = blocksOf(generateBlockList(long, strata.slice(0, 1), seed));
      const sixes = blocks.filter((block) => block[0]?.blockSize === 6).length;
      // About 200 blocks: half of size 6 with a standard deviation of 7; 0.35–0.65 is over four of them.
      expect(sixes / blocks.length, `seed ${seed}`).toBeGreaterThan(0.35);
      expect(sixes / blocks.length, `seed ${seed}`).toBeLessThan(0.65);
    }
    const firstSizes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(
      (seed) => generateBlockList(design, strata.slice(0, 1), seed)[0]?.blockSize,
    );
    expect(new Set(firstSizes)).toEqual(new Set([3, 6]));
  });

  it('gives each stratum its own sequence (not one sequence repeated)', () => {
    const entries = generateBlockList(design, strata, 7);
    const arms = strata.map((stratum) =>
      entries
        .filter((entry) => entry.stratum === stratum.key)
        .map((entry) => entry.arm)
        .join(','),
    );
    expect(new Set(arms).size).toBe(strata.length);
  });

  it('changes the hash when one entry changes', () => {
    const entries = generateBlockList(design, strata, 5);
    const tampered = entries.map((entry, index) =>
      index === 0 ? { ...entry, arm: entry.arm === 'active' ? 'placebo' : 'active' } : entry,
    );
    expect(listHash(5, design, tampered)).not.toBe(listHash(5, design, entries));
  });

  it('maps a screening value to its level, and says what is missing', () => {
    const factor = {
      id: 'severity',
      source: 'item' as const,
      item: 'screening.diseaseSeverity',
      weight: 1,
      levels: [
        { id: 'severe', values: ['severe'] },
        { id: 'critical', values: ['critical'] },
      ],
    };
    expect(levelOfValue(factor, 'critical')).toEqual({ level: 'critical' });
    expect(levelOfValue(factor, null)).toEqual({
      missing: 'screening.diseaseSeverity is not recorded: enter it on the screening form before enrolment',
    });
    expect(levelOfValue(factor, 'mild')).toMatchObject({ missing: expect.stringContaining('in no level') });
  });
});

describe('Pocock–Simon minimisation, against a hand-worked example', () => {
  const oneToOne: MinimisationDesign = {
    ratio: { A: 1, B: 1 },
    factors: [
      { id: 'sex', weight: 1 },
      { id: 'severity', weight: 1 },
    ],
    imbalance: 'range',
    preferredArmProbability: 0.8,
  };
  const prior = [
    { levels: { sex: 'M', severity: 'severe' }, arm: 'A' },
    { levels: { sex: 'F', severity: 'severe' }, arm: 'B' },
    { levels: { sex: 'M', severity: 'critical' }, arm: 'A' },
  ];

  it('scores each arm by the range of counts: a male with severe disease prefers B (G_A = 4, G_B = 2)', () => {
    // Men: A 2, B 0. Severe: A 1, B 1. Given A: ranges 3 + 1 = 4; given B: 1 + 1 = 2.
    const result = minimise(oneToOne, prior, { sex: 'M', severity: 'severe' }, [0.5, 0.3]);
    expect(result.scores).toEqual({ A: 4, B: 2 });
    expect(result.preferred).toEqual(['B']);
    expect(result.arm).toBe('B');
  });

  it('takes the other arm when the first draw is at or above p (the random element)', () => {
    expect(minimise(oneToOne, prior, { sex: 'M', severity: 'severe' }, [0.8, 0.3]).arm).toBe('A');
    expect(minimise(oneToOne, prior, { sex: 'M', severity: 'severe' }, [0.79, 0.3]).arm).toBe('B');
  });

  it('scores by variance: G_A = 9/2 + 1/2 = 5, G_B = 1/2 + 1/2 = 1', () => {
    const result = minimise(
      { ...oneToOne, imbalance: 'variance' },
      prior,
      { sex: 'M', severity: 'severe' },
      [0.1, 0.1],
    );
    expect(result.scores).toEqual({ A: 5, B: 1 });
    expect(result.arm).toBe('B');
  });

  it('weights factors: a woman with critical disease goes to B when sex weighs 1 and severity 3, to A the other way round', () => {
    // Women: A 0, B 1. Critical: A 1, B 0. Given A: 0·w_sex + 2·w_sev; given B: 2·w_sex + 0·w_sev.
    const levels = { sex: 'F', severity: 'critical' };
    const heavySeverity = minimise(
      {
        ...oneToOne,
        factors: [
          { id: 'sex', weight: 1 },
          { id: 'severity', weight: 3 },
        ],
      },
      prior,
      levels,
      [0.1, 0.1],
    );
    expect(heavySeverity.scores).toEqual({ A: 6, B: 2 });
    expect(heavySeverity.arm).toBe('B');
    const heavySex = minimise(
      {
        ...oneToOne,
        factors: [
          { id: 'sex', weight: 3 },
          { id: 'severity', weight: 1 },
        ],
      },
      prior,
      levels,
      [0.1, 0.1],
    );
    expect(heavySex.scores).toEqual({ A: 2, B: 6 });
    expect(heavySex.arm).toBe('A');
  });

  it('draws among all arms on a tie, and divides counts by the ratio share', () => {
    const tie = minimise(oneToOne, [], { sex: 'M', severity: 'severe' }, [0.99, 0.7]);
    expect(tie.preferred).toEqual(['A', 'B']);
    expect(tie.arm).toBe('B');
    // 2:1 with no one allocated: given A the counts are (1/2, 0), range 1/2; given B (0, 1), range 1.
    const twoToOne = minimise(
      { ...oneToOne, ratio: { A: 2, B: 1 } },
      [],
      { sex: 'M', severity: 'severe' },
      [0.1, 0.1],
    );
    expect(twoToOne.scores).toEqual({ A: 1, B: 2 });
    expect(twoToOne.arm).toBe('A');
  });

  it('draws reproducibly from the seed, a different pair for each allocation', () => {
    expect(minimisationDraws(99, 3)).toEqual(minimisationDraws(99, 3));
    expect(minimisationDraws(99, 3)).not.toEqual(minimisationDraws(99, 4));
    for (const draw of minimisationDraws(99, 0)) expect(draw >= 0 && draw < 1).toBe(true);
  });

  it('keeps a 1:1 trial of 40 within 3 on each factor level with p = 0.8 (its purpose)', () => {
    const allocated: Array<{ levels: Record<string, string>; arm: string }> = [];
    for (let index = 0; index < 40; index++) {
      const levels = { sex: index % 3 === 0 ? 'F' : 'M', severity: index % 4 === 0 ? 'critical' : 'severe' };
      const { arm } = minimise(oneToOne, allocated, levels, minimisationDraws(2026, index));
      allocated.push({ levels, arm });
    }
    for (const [factor, level] of [
      ['sex', 'F'],
      ['sex', 'M'],
      ['severity', 'critical'],
      ['severity', 'severe'],
    ] as const) {
      const group = allocated.filter((entry) => entry.levels[factor] === level);
      const a = group.filter((entry) => entry.arm === 'A').length;
      expect(Math.abs(a - (group.length - a)), `${factor}=${level}`).toBeLessThanOrEqual(3);
    }
  });
});
