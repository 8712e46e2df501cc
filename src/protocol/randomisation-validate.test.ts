import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultProtocolPath, loadProtocolFile, parseProtocolText, protocolSummary } from './load.ts';

const rctPath = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const rctText = await readFile(rctPath, 'utf8');

type Document = Record<string, unknown> & {
  study: { design: Record<string, unknown> & { arms: Array<Record<string, unknown>> } };
  randomisation: Record<string, unknown> & { stratification: Array<Record<string, unknown>> };
};

/** The problems of the randomised example after `edit`, as "path: message" lines. */
function problemsAfter(edit: (document: Document) => void): string[] {
  const document = parse(rctText) as Document;
  edit(document);
  const result = parseProtocolText(stringify(document), 'edited.yaml');
  return result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
}

describe('the randomised example protocol', () => {
  it('validates, with two arms each with its regimen, 2:1 permuted blocks stratified by site and severity', async () => {
    const result = await loadProtocolFile(rctPath);
    if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
    const { study, randomisation } = result.protocol;
    expect(study.design).toMatchObject({ allocation: 'randomised', masking: 'double', model: 'parallel' });
    expect(study.design.arms.map((arm) => arm.id)).toEqual(['mscs-exo', 'placebo']);
    expect(study.design.arms[1]?.regimen?.dose.description.en).toContain('sodium chloride');
    expect(study.sites.length).toBeGreaterThanOrEqual(2);
    expect(randomisation).toMatchObject({ method: 'permuted-blocks', ratio: { 'mscs-exo': 2, placebo: 1 } });
    expect(randomisation?.stratification.map((factor) => factor.id)).toEqual(['site', 'severity']);
  });

  it('shows its arms and randomisation in `protocol show`; a single-arm protocol shows neither', async () => {
    const rct = await loadProtocolFile(rctPath);
    const single = await loadProtocolFile(defaultProtocolPath());
    if (!rct.ok || !single.ok) throw new Error('a shipped protocol does not load');
    const summary = protocolSummary(rct.protocol, 'en');
    expect(summary).toContain(
      'Arms: mscs-exo MSCs-Exo aerosol inhalation; placebo Placebo (nebulised saline)',
    );
    expect(summary).toContain(
      'Randomisation: permuted blocks of 3 or 6; mscs-exo 2 : placebo 1; site, severity',
    );
    expect(protocolSummary(single.protocol, 'en')).not.toMatch(/^(Arms|Randomisation):/m);
  });
});

describe('randomisation refusals', () => {
  it('refuses a ratio that misses an arm or names an unknown one', () => {
    const problems = problemsAfter((document) => {
      document.randomisation.ratio = { 'mscs-exo': 2, saline: 1 };
    });
    expect(problems).toContainEqual(expect.stringContaining("the ratio gives no share to arm 'placebo'"));
    expect(problems).toContainEqual(expect.stringContaining("unknown arm 'saline'"));
  });

  it('refuses a block size that is not a multiple of the ratio sum', () => {
    const problems = problemsAfter((document) => {
      document.randomisation.blockSizes = [3, 4];
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /randomisation\.blockSizes\[1\]: a block of 4 cannot keep the ratio 2:1: block sizes must be multiples of 3/,
      ),
    ]);
  });

  it('refuses an unknown item, a code not of the item, and a code in no level', () => {
    const unknown = problemsAfter((document) => {
      const severity = document.randomisation.stratification[1];
      if (severity) severity.item = 'screening.severityGrade';
    });
    expect(unknown).toContainEqual(expect.stringContaining("unknown item 'screening.severityGrade'"));
    const uncovered = problemsAfter((document) => {
      const severity = document.randomisation.stratification[1];
      if (severity)
        severity.levels = [
          { id: 'severe', values: ['severe'] },
          { id: 'other', values: ['moderate'] },
        ];
    });
    expect(uncovered).toContainEqual(
      expect.stringContaining('"moderate" is not a code of screening.diseaseSeverity'),
    );
    expect(uncovered).toContainEqual(
      expect.stringContaining('the codes critical of screening.diseaseSeverity are in no level'),
    );
  });

  it('refuses a randomised design without a randomisation section and a section under a non-randomised design', () => {
    expect(
      problemsAfter((document) => {
        delete (document as Partial<Document>).randomisation;
      }),
    ).toContainEqual(expect.stringContaining('the design is randomised: add a randomisation section'));
    expect(
      problemsAfter((document) => {
        document.study.design.allocation = 'non-randomised';
      }),
    ).toContainEqual(expect.stringContaining("the design's allocation is non-randomised"));
  });

  it('refuses minimisation without factors and a preferred-arm probability of one half or less', () => {
    const problems = problemsAfter((document) => {
      document.randomisation = {
        method: 'minimisation',
        ratio: { 'mscs-exo': 1, placebo: 1 },
        stratification: [],
        imbalance: 'range',
        preferredArmProbability: 0.5,
      };
    });
    expect(problems).toContainEqual(expect.stringContaining('minimisation needs at least one factor'));
    expect(problems).toContainEqual(expect.stringMatching(/preferredArmProbability/));
  });
});
