import { beforeAll, describe, expect, it } from 'vitest';
import type { Entries } from '../crf/entries.ts';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import type { Protocol } from '../protocol/schema.ts';
import { summarize } from './ae-summary.ts';
import { causalityMapping, countsForExpedited, relatednessOf } from './causality.ts';

let protocol: Protocol;
beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  protocol = loaded.protocol;
});

/** The default protocol with its categories replaced. */
const withCategories = (categories: Protocol['safety']['causality']['categories']): Protocol => ({
  ...protocol,
  safety: { ...protocol.safety, causality: { ...protocol.safety.causality, categories } },
});
const label = { en: 'x', zh: 'x' };

function seriousUnexpected(causality: string): Entries {
  const values: Record<string, unknown> = {
    term: 'Pneumonia',
    grade: 3,
    serious: true,
    seriousnessCriteria: ['hospitalisation'],
    causality,
    expected: false,
    outcome: 'recovering',
  };
  return Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value, revision: 1 }]));
}

describe('causality mapping', () => {
  it('the default protocol: WHO-UMC, conditional and unassessable possibly related for expedited reporting only', () => {
    expect(protocol.safety.causality.scale).toBe('WHO-UMC');
    expect(
      causalityMapping(protocol).map(({ id, related, expedited, expeditedSource }) => ({
        id,
        related,
        expedited,
        expeditedSource,
      })),
    ).toEqual([
      { id: 'certain', related: true, expedited: true, expeditedSource: 'default' },
      { id: 'probable', related: true, expedited: true, expeditedSource: 'default' },
      { id: 'possible', related: true, expedited: true, expeditedSource: 'default' },
      { id: 'unlikely', related: false, expedited: false, expeditedSource: 'default' },
      { id: 'conditional', related: false, expedited: true, expeditedSource: 'default' },
      { id: 'unassessable', related: false, expedited: true, expeditedSource: 'default' },
    ]);
  });

  it('the alternative WHO-UMC names unclassified and unclassifiable get the same default', () => {
    expect(countsForExpedited({ id: 'unclassified', label, related: false })).toBe(true);
    expect(countsForExpedited({ id: 'unclassifiable', label, related: false })).toBe(true);
    expect(countsForExpedited({ id: 'unrelated', label, related: false })).toBe(false);
  });

  it('a protocol that writes the mapping overrides the default', () => {
    const custom = withCategories([
      { id: 'related', label, related: true },
      { id: 'conditional', label, related: false, expedited: false },
      { id: 'doubtful', label, related: false, expedited: true },
    ]);
    expect(causalityMapping(custom)).toEqual([
      { id: 'related', label, related: true, expedited: true, expeditedSource: 'default' },
      { id: 'conditional', label, related: false, expedited: false, expeditedSource: 'protocol' },
      { id: 'doubtful', label, related: false, expedited: true, expeditedSource: 'protocol' },
    ]);
    expect(relatednessOf(custom, 'doubtful')).toEqual({ related: false, expedited: true });
  });

  it('not assessed, or a code the protocol does not have, is neither related nor unrelated', () => {
    expect(relatednessOf(protocol, null)).toBeNull();
    expect(relatednessOf(protocol, 'maybe')).toBeNull();
  });

  it('a serious unexpected event is a SUSAR when conditional or unassessable, not when unlikely', () => {
    for (const causality of ['certain', 'probable', 'possible', 'conditional', 'unassessable'])
      expect(summarize(protocol, seriousUnexpected(causality)), causality).toMatchObject({
        expedited: true,
        susar: true,
      });
    expect(summarize(protocol, seriousUnexpected('conditional')).related).toBe(false);
    expect(summarize(protocol, seriousUnexpected('unlikely'))).toMatchObject({
      related: false,
      expedited: false,
      susar: false,
    });
  });
});
