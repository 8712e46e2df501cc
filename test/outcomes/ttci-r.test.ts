// TTCI derived from synthetic source rows, analysed here and by R survival on the same CSV file:
// Kaplan–Meier (survfit), its median, numbers at risk, the competing-risk Aalen–Johansen estimate and
// the 28-day mortality test and posterior. Runs when Rscript is on PATH; required under CI=true.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseOutcomes } from '../../src/outcomes/analyse.ts';
import { Comparison, parseFixture } from '../r/fixtures.ts';
import { mexcovid, syntheticCohort } from './fixtures.ts';

const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..');
const rscript = spawnSync('Rscript', ['--version'], { encoding: 'utf8' });
const hasR = rscript.error === undefined && rscript.status === 0;

interface RResult {
  km: Record<string, (number | null)[] | number | null>;
  aj: Record<string, (number | null)[]>;
  mortality: Record<string, number>;
}

describe('TTCI on derived data agrees with R survival', () => {
  if (!hasR) {
    if (process.env.CI === 'true') {
      it('needs Rscript under CI', () => {
        throw new Error('Rscript is not on PATH: install r-base-core and r-cran-survival');
      });
    } else it.skip('needs Rscript on PATH (skipped outside CI)', () => {});
    return;
  }
  const folder = mkdtempSync(join(tmpdir(), 'exotrial-ttci-r-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('matches survfit, the Aalen–Johansen estimate and binom.test on 300 derived participants', async () => {
    const protocol = await mexcovid();
    const cohort = syntheticCohort(300, 20200201);
    // A few edge cases among them: no baseline (excluded), withdrawn early.
    cohort[0]?.records.splice(0, 1);
    if (cohort[1]) Object.assign(cohort[1], { status: 'withdrawn', statusDate: '2020-02-06' });
    const result = analyseOutcomes(protocol, cohort, '2020-12-31');
    const ttci = result.ttci;
    if (!ttci?.fit || !ttci.competing || !result.mortality) throw new Error('no TTCI analysis');
    expect(ttci.excluded.baselineMissing).toBe(1);
    const rows = ttci.participants.flatMap((participant) =>
      participant.analysis
        ? [
            [
              participant.analysis.time,
              participant.analysis.event,
              participant.analysis.competingTime,
              participant.analysis.competingStatus,
            ].join(','),
          ]
        : [],
    );
    // Mortality counts every participant of the analysis set, including those TTCI excludes.
    const died = ttci.participants.map((participant) =>
      participant.deathDay !== null && participant.deathDay <= 28 ? 1 : 0,
    );
    const input = join(folder, 'ttci.csv');
    const mortalityInput = join(folder, 'mortality.csv');
    const output = join(folder, 'ttci.json');
    writeFileSync(input, ['time,event,ctime,cstatus', ...rows].join('\n'));
    writeFileSync(mortalityInput, ['died28', ...died].join('\n'));
    const run = spawnSync('Rscript', [join('test', 'outcomes', 'ttci.R'), input, mortalityInput, output], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const r = parseFixture(readFileSync(output, 'utf8')) as RResult;
    const comparison = new Comparison(1e-12);
    const fit = ttci.fit;
    const column = <K extends keyof (typeof fit.rows)[number]>(key: K) =>
      fit.rows.map((row) => row[key] as number | null);
    comparison.checkAll('time', column('time'), r.km.time as number[]);
    comparison.checkAll('n.risk', column('nRisk'), r.km.nRisk as number[]);
    comparison.checkAll('n.event', column('nEvent'), r.km.nEvent as number[]);
    comparison.checkAll('surv', column('surv'), r.km.surv as number[]);
    comparison.checkAll('std.err', column('stdErr'), r.km.stdErr as number[]);
    comparison.checkAll('lower', column('lower'), r.km.lower as (number | null)[]);
    comparison.checkAll('upper', column('upper'), r.km.upper as (number | null)[]);
    comparison.check('median', fit.median.median, r.km.median as number | null);
    comparison.check('median lower', fit.median.lower, r.km.medianLower as number | null);
    comparison.check('median upper', fit.median.upper, r.km.medianUpper as number | null);
    comparison.checkAll('n at risk', fit.atRisk([0, 7, 14, 21, 28]), r.km.atRisk as number[]);
    const aj = ttci.competing.rows;
    comparison.checkAll(
      'aj time',
      aj.map((row) => row.time),
      r.aj.time ?? [],
    );
    comparison.checkAll(
      'aj improvement',
      aj.map((row) => row.event.estimate),
      r.aj.event ?? [],
    );
    comparison.checkAll(
      'aj death',
      aj.map((row) => row.competing.estimate),
      r.aj.competing ?? [],
    );
    comparison.checkAll(
      'aj std.err',
      aj.map((row) => row.event.stdErr),
      r.aj.eventStdErr ?? [],
    );
    comparison.checkAll(
      'aj lower',
      aj.map((row) => row.event.lower),
      r.aj.eventLower ?? [],
    );
    comparison.checkAll(
      'aj upper',
      aj.map((row) => row.event.upper),
      r.aj.eventUpper ?? [],
    );
    const mortality = result.mortality;
    expect(mortality.n).toBe(r.mortality.n);
    expect(mortality.deaths).toBe(r.mortality.deaths);
    comparison.check('binom.test p', mortality.test.pValue, r.mortality.pValue ?? null);
    comparison.check('binom.test upper', mortality.test.confInt.upper, r.mortality.upper ?? null);
    comparison.check('qbeta 2.5%', mortality.posterior.lower, r.mortality.posteriorLower ?? null);
    comparison.check('qbeta 97.5%', mortality.posterior.upper, r.mortality.posteriorUpper ?? null);
    comparison.check('pbeta', mortality.probabilityBelowHistorical, r.mortality.probabilityBelow ?? null);
    expect(comparison.failures).toEqual([]);
    expect(comparison.count).toBeGreaterThan(100);
    expect(fit.events).toBeGreaterThan(150);
  });
});
