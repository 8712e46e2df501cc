import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultProtocolPath, loadProtocolFile, parseProtocolText } from './load.ts';

const rctPath = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const rctText = await readFile(rctPath, 'utf8');

type KitTypeDocument = { id: string; arms: string[]; resupply?: unknown };
type Document = Record<string, unknown> & {
  supply?: { kitTypes: KitTypeDocument[]; resupply?: unknown };
};

/** The problems of the randomised example after `edit`, as "path: message" lines. */
function problemsAfter(edit: (document: Document) => void): string[] {
  const document = parse(rctText) as Document;
  edit(document);
  const result = parseProtocolText(stringify(document), 'edited.yaml');
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

const kitTypes = (document: Document): KitTypeDocument[] => {
  if (!document.supply) throw new Error('the example has no supply section');
  return document.supply.kitTypes;
};

describe('the supply section', () => {
  it('is in the randomised example, one kit type per arm, and absent from the single-arm protocol', async () => {
    const rct = await loadProtocolFile(rctPath);
    const single = await loadProtocolFile(defaultProtocolPath());
    if (!rct.ok || !single.ok) throw new Error('a shipped protocol does not load');
    expect(rct.protocol.supply?.kitTypes.map((type) => [type.id, type.arms])).toEqual([
      ['active-kit', ['mscs-exo']],
      ['placebo-kit', ['placebo']],
    ]);
    expect(single.protocol.supply).toBeUndefined();
  });

  it('is required by a blinded randomised design', () => {
    expect(problemsAfter((document) => delete document.supply)).toContain(
      'supply: a blinded randomised design needs a supply section with a kit type for each arm',
    );
  });

  it('puts every arm in exactly one kit type and names only the design arms', () => {
    const problems = problemsAfter((document) => {
      const [active, placebo] = kitTypes(document);
      if (!active || !placebo) throw new Error('two kit types expected');
      active.arms = ['mscs-exo', 'placebo'];
      placebo.arms = ['placebo', 'saline'];
    });
    expect(problems).toContain(
      "supply.kitTypes[1].arms[0]: arm 'placebo' already takes kit type 'active-kit'",
    );
    expect(problems).toContain(
      "supply.kitTypes[1].arms[1]: unknown arm 'saline' (the design's arms: mscs-exo, placebo)",
    );
    const unserved = problemsAfter((document) => {
      kitTypes(document).pop();
    });
    expect(unserved).toContain("supply.kitTypes: no kit type serves arm 'placebo'");
  });

  it('needs a resupply rule for each kit type', () => {
    const problems = problemsAfter((document) => {
      if (document.supply) delete document.supply.resupply;
    });
    expect(problems).toContain(
      "supply.kitTypes[0].resupply: give kit type 'active-kit' a resupply rule, or one for all types",
    );
  });
});
