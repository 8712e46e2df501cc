import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import {
  type AalenJohansenFit,
  aalenJohansen,
  aalenJohansenByGroup,
  type CompetingRiskObservation,
  cumulativeIncidenceAt,
} from './competing-risks.ts';
import { kaplanMeier } from './kaplan-meier.ts';
import type { ConfType } from './survival-ci.ts';

type Nullable = number | null;
interface RState {
  estimate: number[];
  stdErr: number[];
  lower: Nullable[];
  upper: Nullable[];
}
interface RStratum {
  group: string | null;
  time: number[];
  nRisk: number[];
  nEvent1: number[];
  nEvent2: number[];
  nCensor: number[];
  eventFree: RState;
  event: RState;
  competing: RState;
}
interface RCase {
  name: string;
  time: number[];
  status: (0 | 1 | 2)[];
  group?: string[];
  fits: { confType: ConfType; confLevel: number; overall: RStratum; groups?: RStratum[] }[];
}

const fixture = readFixture<{ cases: RCase[] }>('competing-risks.json');

function compareStratum(
  comparison: Comparison,
  label: string,
  fit: AalenJohansenFit,
  expected: RStratum,
): void {
  const rows = fit.rows;
  comparison.checkAll(
    `${label} time`,
    rows.map((row) => row.time),
    expected.time,
  );
  comparison.checkAll(
    `${label} nRisk`,
    rows.map((row) => row.nRisk),
    expected.nRisk,
  );
  comparison.checkAll(
    `${label} nEvent`,
    rows.map((row) => row.nEvent),
    expected.nEvent1,
  );
  comparison.checkAll(
    `${label} nCompeting`,
    rows.map((row) => row.nCompeting),
    expected.nEvent2,
  );
  comparison.checkAll(
    `${label} nCensor`,
    rows.map((row) => row.nCensor),
    expected.nCensor,
  );
  for (const state of ['eventFree', 'event', 'competing'] as const) {
    for (const key of ['estimate', 'stdErr', 'lower', 'upper'] as const) {
      comparison.checkAll(
        `${label} ${state} ${key}`,
        rows.map((row) => row[state][key]),
        expected[state][key],
      );
    }
  }
}

describe('aalenJohansen against R survival (multi-state survfit)', () => {
  for (const testCase of fixture.cases) {
    it(`matches pstate, std.err and intervals on ${testCase.name} to 1e-12 relative`, () => {
      const comparison = new Comparison(1e-12);
      const data = testCase.time.map((time, index) => ({ time, status: testCase.status[index] ?? 0 }));
      for (const setting of testCase.fits) {
        const options = { confType: setting.confType, confLevel: setting.confLevel };
        const label = `${testCase.name} ${setting.confType} ${setting.confLevel}`;
        compareStratum(comparison, label, aalenJohansen(data, options), setting.overall);
        if (testCase.group && setting.groups) {
          const groups = testCase.group;
          const grouped = aalenJohansenByGroup(
            data.map((observation, index) => ({ ...observation, group: groups[index] ?? '' })),
            options,
          );
          expect(grouped.map((entry) => entry.group)).toEqual(setting.groups.map((stratum) => stratum.group));
          grouped.forEach((entry, index) => {
            const expected = setting.groups?.[index];
            if (expected) compareStratum(comparison, `${label} ${entry.group}`, entry.fit, expected);
          });
        }
      }
      expect(comparison.failures).toEqual([]);
    });
  }

  it('rejects unknown status codes', () => {
    expect(() => aalenJohansen([{ time: 1, status: 3 as 2 }])).toThrow(/status must be 0/);
  });
});

const observations = fc.array(
  fc.record({
    time: fc.integer({ min: 0, max: 30 }),
    status: fc.constantFrom<CompetingRiskObservation['status']>(0, 1, 2),
  }),
  { minLength: 1, maxLength: 60 },
);

describe('aalenJohansen properties', () => {
  it('state probabilities sum to one and incidences never decrease', () => {
    fc.assert(
      fc.property(observations, (data) => {
        let previous = { event: 0, competing: 0 };
        for (const row of aalenJohansen(data).rows) {
          const total = row.eventFree.estimate + row.event.estimate + row.competing.estimate;
          expect(Math.abs(total - 1)).toBeLessThan(1e-12);
          expect(row.event.estimate).toBeGreaterThanOrEqual(previous.event - 1e-15);
          expect(row.competing.estimate).toBeGreaterThanOrEqual(previous.competing - 1e-15);
          previous = { event: row.event.estimate, competing: row.competing.estimate };
        }
      }),
    );
  });

  it('the event-free probability equals Kaplan–Meier with both causes as events', () => {
    fc.assert(
      fc.property(observations, (data) => {
        const km = kaplanMeier(data.map(({ time, status }) => ({ time, event: status === 0 ? 0 : 1 })));
        aalenJohansen(data).rows.forEach((row, index) => {
          expect(Math.abs(row.eventFree.estimate - (km.rows[index]?.surv ?? Number.NaN))).toBeLessThan(1e-12);
        });
      }),
    );
  });

  it('with no competing events, the incidence is 1 − Kaplan–Meier', () => {
    fc.assert(
      fc.property(observations, (data) => {
        const single = data.map(({ time, status }) => ({
          time,
          status: status === 2 ? (0 as const) : status,
        }));
        const km = kaplanMeier(single.map(({ time, status }) => ({ time, event: status === 1 ? 1 : 0 })));
        aalenJohansen(single).rows.forEach((row, index) => {
          expect(Math.abs(row.event.estimate - (1 - (km.rows[index]?.surv ?? Number.NaN)))).toBeLessThan(
            1e-12,
          );
        });
      }),
    );
  });

  it('intervals contain the estimate', () => {
    fc.assert(
      fc.property(observations, fc.constantFrom<ConfType>('log', 'log-log', 'plain'), (data, confType) => {
        for (const row of aalenJohansen(data, { confType }).rows) {
          for (const state of [row.eventFree, row.event, row.competing]) {
            if (state.lower !== null) expect(state.lower).toBeLessThanOrEqual(state.estimate + 1e-12);
            if (state.upper !== null) expect(state.upper).toBeGreaterThanOrEqual(state.estimate - 1e-12);
          }
        }
      }),
    );
  });

  it('reads the curve at chosen times as a right-continuous step function', () => {
    const fit = aalenJohansen([
      { time: 2, status: 1 },
      { time: 4, status: 2 },
      { time: 6, status: 0 },
      { time: 8, status: 1 },
    ]);
    expect(cumulativeIncidenceAt(fit, [1, 2, 5, 28])).toEqual([
      { time: 1, event: 0, competing: 0, eventFree: 1 },
      { time: 2, event: 0.25, competing: 0, eventFree: 0.75 },
      { time: 5, event: 0.25, competing: 0.25, eventFree: 0.5 },
      { time: 28, event: 0.75, competing: 0.25, eventFree: 0 },
    ]);
  });
});
