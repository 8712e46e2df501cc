import { describe, expect, it } from 'vitest';
import { Comparison, readFixture } from '../../test/r/fixtures.ts';
import { type ConfType, type KaplanMeierFit, kaplanMeier, kaplanMeierByGroup } from './kaplan-meier.ts';

type Nullable = number | null;

interface RStratum {
  group: string | null;
  time: number[];
  nRisk: number[];
  nEvent: number[];
  nCensor: number[];
  surv: number[];
  stdErr: number[];
  lower: Nullable[];
  upper: Nullable[];
  median: { median: Nullable; lower: Nullable; upper: Nullable };
  quantiles: { probs: number[]; quantile: Nullable[]; lower: Nullable[]; upper: Nullable[] };
  atRisk: { times: number[]; nRisk: number[] };
}

interface RCase {
  name: string;
  time: number[];
  event: (0 | 1)[];
  group?: string[];
  fits: { confType: ConfType; confLevel: number; overall: RStratum; groups?: RStratum[] }[];
}

const fixture = readFixture<{ cases: RCase[] }>('kaplan-meier.json');

function compareStratum(
  comparison: Comparison,
  label: string,
  fit: KaplanMeierFit,
  expected: RStratum,
): void {
  const column = <K extends keyof KaplanMeierFit['rows'][number]>(key: K) => fit.rows.map((row) => row[key]);
  comparison.checkAll(`${label} time`, column('time'), expected.time);
  comparison.checkAll(`${label} nRisk`, column('nRisk'), expected.nRisk);
  comparison.checkAll(`${label} nEvent`, column('nEvent'), expected.nEvent);
  comparison.checkAll(`${label} nCensor`, column('nCensor'), expected.nCensor);
  comparison.checkAll(`${label} surv`, column('surv'), expected.surv);
  comparison.checkAll(`${label} stdErr`, column('stdErr'), expected.stdErr);
  comparison.checkAll(`${label} lower`, column('lower'), expected.lower);
  comparison.checkAll(`${label} upper`, column('upper'), expected.upper);
  comparison.check(`${label} median`, fit.median.median, expected.median.median);
  comparison.check(`${label} median lower`, fit.median.lower, expected.median.lower);
  comparison.check(`${label} median upper`, fit.median.upper, expected.median.upper);
  const quantiles = fit.quantiles(expected.quantiles.probs);
  comparison.checkAll(
    `${label} quantile`,
    quantiles.map((q) => q.median),
    expected.quantiles.quantile,
  );
  comparison.checkAll(
    `${label} quantile lower`,
    quantiles.map((q) => q.lower),
    expected.quantiles.lower,
  );
  comparison.checkAll(
    `${label} quantile upper`,
    quantiles.map((q) => q.upper),
    expected.quantiles.upper,
  );
  comparison.checkAll(`${label} atRisk`, fit.atRisk(expected.atRisk.times), expected.atRisk.nRisk);
}

describe('kaplanMeier against R survival', () => {
  for (const testCase of fixture.cases) {
    it(`matches survfit, print.survfit and quantile.survfit on ${testCase.name} to 1e-13 relative`, () => {
      const comparison = new Comparison(1e-13);
      const data = testCase.time.map((time, index) => ({ time, event: testCase.event[index] ?? 0 }));
      for (const setting of testCase.fits) {
        const options = { confType: setting.confType, confLevel: setting.confLevel };
        const label = `${testCase.name} ${setting.confType} ${setting.confLevel}`;
        compareStratum(comparison, label, kaplanMeier(data, options), setting.overall);
        if (testCase.group && setting.groups) {
          const groups = testCase.group;
          const grouped = kaplanMeierByGroup(
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
      expect(comparison.count).toBeGreaterThan(0);
    });
  }
});

describe('kaplanMeier input checks', () => {
  it('rejects a non-finite time and an event code other than 0/1', () => {
    expect(() => kaplanMeier([{ time: Number.NaN, event: 1 }])).toThrow(/observation 1: time/);
    expect(() => kaplanMeier([{ time: 1, event: 2 as 1 }])).toThrow(/event must be 0 or 1/);
    expect(() => kaplanMeier([{ time: 1, event: 1 }], { confLevel: 1 })).toThrow(/confLevel/);
  });

  it('returns an empty curve for no data', () => {
    const fit = kaplanMeier([]);
    expect(fit.rows).toEqual([]);
    expect(fit.median).toEqual({ median: null, lower: null, upper: null });
  });
});
