import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cumulativeIncidenceSvg } from './cif-plot.ts';
import { aalenJohansen } from './competing-risks.ts';
import { kaplanMeier } from './kaplan-meier.ts';
import { kaplanMeierSvg } from './km-plot.ts';
import { escapeXml, formatTick, niceTicks } from './svg.ts';

const arm = kaplanMeier([
  { time: 3, event: 1 },
  { time: 5, event: 0 },
  { time: 7, event: 1 },
  { time: 7, event: 0 },
  { time: 12, event: 1 },
  { time: 28, event: 0 },
]);

/** Well-formedness check good enough for our generated markup: balanced tags, no stray '<' or '&'. */
function expectWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (!name) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(stack).toEqual([]);
  const text = svg.replace(/<[^>]*>/g, '');
  expect(text).not.toMatch(/[<>]/);
  expect(text).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
}

describe('kaplanMeierSvg', () => {
  it('draws the curve, band, censor marks and number-at-risk table', () => {
    const svg = kaplanMeierSvg([{ label: 'MSCs-Exo', fit: arm }], { title: 'Time to clinical improvement' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Number at risk');
    expect(svg).toContain('fill-opacity="0.15"');
    // number at risk at the axis ticks 0, 5, 10, …, 30: 6, 5, 2, 1, 1, 1, 0
    const counts = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle">(\d+)<\/text>/g)]
      .map((match) => match[1])
      .slice(-7);
    expect(counts).toEqual(['6', '5', '2', '1', '1', '1', '0']);
    expectWellFormed(svg);
  });

  it('is deterministic and escapes labels', () => {
    const series = [
      { label: 'A & <B> "quoted"', fit: arm },
      { label: "d'arm", fit: arm },
    ];
    const first = kaplanMeierSvg(series, { title: '<script>alert(1)</script>' });
    expect(kaplanMeierSvg(series, { title: '<script>alert(1)</script>' })).toBe(first);
    expect(first).not.toContain('<script>');
    expect(first).toContain('A &amp; &lt;B&gt; &quot;quoted&quot;');
    expectWellFormed(first);
  });

  it('stays well formed for any data, including empty and all-censored curves', () => {
    const observations = fc.array(
      fc.record({ time: fc.integer({ min: 0, max: 100 }), event: fc.constantFrom<0 | 1>(0, 1) }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(observations, fc.string(), (data, label) => {
        expectWellFormed(kaplanMeierSvg([{ label, fit: kaplanMeier(data, { confType: 'log-log' }) }]));
      }),
    );
  });
});

describe('cumulativeIncidenceSvg', () => {
  it('draws solid event and dashed competing curves per group, escaped and deterministic', () => {
    const fit = aalenJohansen([
      { time: 2, status: 1 },
      { time: 4, status: 2 },
      { time: 6, status: 0 },
      { time: 9, status: 1 },
    ]);
    const svg = cumulativeIncidenceSvg(
      [
        { label: 'Site <1>', fit },
        { label: 'Site 2', fit },
      ],
      { eventLabel: 'Death', competingLabel: 'Discharge' },
    );
    expect(svg).toContain('Site &lt;1&gt;: Death');
    expect(svg.match(/stroke-dasharray="6 4"/g)?.length).toBe(4);
    expect(cumulativeIncidenceSvg([{ label: 'Site <1>', fit }])).toBe(
      cumulativeIncidenceSvg([{ label: 'Site <1>', fit }]),
    );
    expectWellFormed(svg);
  });
});

describe('svg helpers', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });

  it('chooses nice ticks covering the range', () => {
    expect(niceTicks(28)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(formatTick(0.30000000000000004)).toBe('0.3');
  });
});
