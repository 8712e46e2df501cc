import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { withFormat1Defaults } from './format-1.ts';
import { defaultProtocolPath, parseProtocolText } from './load.ts';

const shippedText = await readFile(defaultProtocolPath(), 'utf8');

/** The shipped protocol as it was written before `safety.adverseEvents` existed. */
function withoutAdverseEventSection(text: string): string {
  const document = parseDocument(text);
  document.deleteIn(['safety', 'adverseEvents']);
  return document.toString();
}

describe('protocols written before safety.adverseEvents', () => {
  it('read adverse events from the adverseEvent form, each meaning from the item of its name', () => {
    const result = parseProtocolText(withoutAdverseEventSection(shippedText));
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const declared = parseProtocolText(shippedText);
    if (!declared.ok) throw new Error(JSON.stringify(declared.problems));
    expect(result.protocol.safety.adverseEvents).toEqual(declared.protocol.safety.adverseEvents);
    expect(Object.keys(result.protocol.safety.adverseEvents.items)).toHaveLength(13);
  });

  it('map only the meanings the form has an item for, and say which required ones are missing', () => {
    const text = withoutAdverseEventSection(shippedText).replace(
      '      - id: onsetAt\n',
      '      - id: startedAt\n',
    );
    const result = parseProtocolText(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // (The form's own edit check names the renamed item too, and is refused for that.)
    expect(result.problems.map((problem) => [problem.path, problem.message])).toContainEqual([
      'safety.adverseEvents.items.onsetAt',
      "name the item of form 'adverseEvent' that holds the onsetAt of an adverse event (safety reporting reads it)",
    ]);
  });

  it('fill stored protocol versions the same way, and leave a declared section or non-protocols alone', () => {
    const content = { forms: [{ id: 'adverseEvent', items: [{ id: 'term' }, { id: 'grade' }] }], safety: {} };
    expect(withFormat1Defaults(content)).toEqual({
      ...content,
      safety: { adverseEvents: { form: 'adverseEvent', items: { term: 'term', grade: 'grade' } } },
    });
    const declared = { forms: [], safety: { adverseEvents: { form: 'ae', items: { term: 'verbatim' } } } };
    expect(withFormat1Defaults(declared)).toBe(declared);
    expect(withFormat1Defaults('not a protocol')).toBe('not a protocol');
  });
});
