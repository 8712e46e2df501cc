import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Entries } from '../crf/entries.ts';
import { parseProtocolText } from '../protocol/load.ts';
import { aeFormId, ruleValues, summarize } from './ae-summary.ts';

// The example protocol names its adverse-event items its own way (startDate, related): the summary
// reads them through `safety.adverseEvents`, not by the names of the shipped protocol.
const examplePath = fileURLToPath(new URL('../../protocols/examples/nebsal.yaml', import.meta.url));
const parsed = parseProtocolText(await readFile(examplePath, 'utf8'));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const { protocol } = parsed;

const entries = (values: Record<string, unknown>): Entries =>
  Object.fromEntries(Object.entries(values).map(([item, value]) => [item, { value }])) as Entries;

describe('an adverse event read through the protocol’s own item names', () => {
  const event = entries({
    term: 'Bronchospasm',
    startDate: '2026-03-02',
    grade: 3,
    serious: true,
    related: 'related',
  });

  it('summarises onset, grade, seriousness and causality from the mapped items', () => {
    const summary = summarize(protocol, event);
    expect(summary).toMatchObject({
      term: 'Bronchospasm',
      onsetAt: '2026-03-02',
      grade: 3,
      serious: true,
      causality: 'related',
      related: true,
      expedited: true,
    });
    // Meanings the protocol does not map stay unknown rather than read from a same-named item.
    expect(summary.awareAt).toBeNull();
    expect(summary.outcome).toBeNull();
  });

  it('gives the stopping rules the values under the protocol’s form id', () => {
    expect(aeFormId(protocol)).toBe('adverseEvent');
    expect(ruleValues(protocol, event)).toMatchObject({
      'adverseEvent.related': 'related',
      'adverseEvent.grade': 3,
    });
    const unrelated = summarize(protocol, entries({ ...Object.fromEntries([]), related: 'not-related' }));
    expect(unrelated.related).toBe(false);
  });
});
