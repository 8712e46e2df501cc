import { describe, expect, it } from 'vitest';
import { consortSvg } from './consort-diagram.ts';
import { ordinalBarsSvg } from './ordinal-bars-plot.ts';
import { swimmerSvg } from './swimmer-plot.ts';
import { trajectorySvg } from './trajectory-plot.ts';

const labels = ['Home, active', 'Home', 'Ward', 'Oxygen', 'High flow', 'Ventilated', 'Death'];

describe('report plots', () => {
  it('stacked ordinal bars: one segment per non-empty category, heights proportional, deterministic', () => {
    const days = [
      { day: 0, counts: [0, 0, 0, 2, 1, 1, 0], missing: 0 },
      { day: 1, counts: [0, 0, 1, 1, 1, 0, 0], missing: 1 },
    ];
    const svg = ordinalBarsSvg(days, { categoryLabels: labels, height: 200 });
    expect(svg).toBe(ordinalBarsSvg(days, { categoryLabels: labels, height: 200 }));
    const heights = [
      ...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)" fill="[^"]+"><title>Day 0/g),
    ].map((match) => Number(match[1]));
    expect(heights).toEqual([100, 50, 50]);
    expect(svg).toContain('<title>Day 1: Missing 1/4</title>');
  });

  it('swimmer plot: a lane per participant with doses and events, labels escaped', () => {
    const svg = swimmerSvg(
      [
        {
          label: 'RJ-001',
          days: [
            { day: 1, category: 5 },
            { day: 2, category: null },
            { day: 3, category: 3 },
          ],
          doses: [1, 2],
          events: [{ day: 3, kind: 'improved' }],
        },
        {
          label: 'RJ-<2>',
          days: [
            { day: 1, category: 6 },
            { day: 2, category: 7 },
          ],
          doses: [1],
          events: [{ day: 2, kind: 'died' }],
        },
      ],
      { categoryLabels: labels, lastDay: 28 },
    );
    expect(svg.match(/<g class="lane"/g)).toHaveLength(2);
    expect(svg).toContain('RJ-&lt;2&gt;');
    expect(svg.match(/<circle/g)?.length).toBe(3 + 1); // three doses and the legend's marker
  });

  it('trajectories: a path per group through the medians, whiskers for the IQR', () => {
    const svg = trajectorySvg([
      {
        label: 'Improved',
        points: [
          { day: 0, n: 5, median: 0.8, q1: 0.6, q3: 1 },
          { day: 7, n: 5, median: 1.4, q1: 1.2, q3: 1.6 },
        ],
      },
      { label: 'Not improved', points: [{ day: 0, n: 3, median: 0.7, q1: 0.5, q3: 0.9 }] },
    ]);
    expect(svg.match(/stroke-width="2"\/>/g)?.length).toBeGreaterThanOrEqual(1);
    expect(svg).toContain('Improved, day 7: median 1.4 (IQR 1.2–1.6), n = 5');
  });

  it('CONSORT: main boxes joined by arrows, side boxes with their counts', () => {
    const svg = consortSvg({
      main: [
        { heading: 'Assessed', count: 30 },
        { heading: 'Enrolled', count: 22 },
        { heading: 'Analysed', count: 21 },
      ],
      side: [{ after: 0, box: { heading: 'Not enrolled', count: 8, details: ['Declined: 2'] } }],
    });
    expect(svg.match(/<g class="consort-box">/g)).toHaveLength(4);
    expect(svg).toContain('Not enrolled (n = 8)');
    expect(svg.match(/marker-end/g)).toHaveLength(3);
  });
});
