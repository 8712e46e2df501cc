// The report's results by arm on a synthetic randomised cohort: equal to the analysis functions run
// on the same rows, and to R survival (survdiff, coxph with Efron ties, survfit by arm) and to
// Newcombe's interval built in R from prop.test; a blinded reader's report names no arm; the
// single-arm report has no by-arm section at all. R runs when Rscript is on PATH; required under CI=true.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { coxProportionalHazards } from '../../src/analysis/cox.ts';
import { kaplanMeier } from '../../src/analysis/kaplan-meier.ts';
import { logRank } from '../../src/analysis/logrank.ts';
import type { ParticipantSource } from '../../src/outcomes/source.ts';
import { loadProtocolFile } from '../../src/protocol/load.ts';
import type { Protocol } from '../../src/protocol/schema.ts';
import { AE_CATEGORIES, type ArmComparison, type ArmsShown } from '../../src/report/report.arms.ts';
import { renderReportHtml } from '../../src/report/report.html.ts';
import { buildReportModel, type ReportModel, reportJson } from '../../src/report/report.model.ts';
import { seededRandom } from '../../src/synth/random.ts';
import { mexcovid, syntheticCohort } from '../outcomes/fixtures.ts';
import { Comparison } from '../r/fixtures.ts';
import { armsInR, hasRscript, type RTests } from './arms-r.ts';

const rctPath = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const stamp = { dataCut: '2020-12-31T00:00:00.000Z', protocolVersion: '0.1', protocolVersionNo: 1 };

/** 240 participants of the synthetic course, two in three to the active arm, with adverse events. */
function randomisedCohort(): {
  sources: ParticipantSource[];
  armOf: Map<string, string>;
  stratumOf: Map<string, string>;
} {
  const random = seededRandom(20261205);
  const armOf = new Map<string, string>();
  const stratumOf = new Map<string, string>();
  const sources = syntheticCohort(240, 4242).map((participant, index) => {
    const arm = index % 3 === 2 ? 'placebo' : 'mscs-exo';
    armOf.set(participant.participantId, arm);
    stratumOf.set(
      participant.participantId,
      `site=${index % 5 < 3 ? 'ruijin' : 'wuhan'}|severity=${index % 4 < 3 ? 'severe' : 'critical'}`,
    );
    // Rates that differ by arm, so that the differences are not all near zero.
    const rate = arm === 'placebo' ? 0.45 : 0.3;
    const adverseEvents = random.chance(rate)
      ? [
          {
            aeNumber: 1,
            values: {
              'adverseEvent.term': random.pick(['Cough', 'Headache', 'Nausea']),
              'adverseEvent.grade': random.int(1, 4),
              'adverseEvent.serious': random.chance(0.3),
              'adverseEvent.causality': random.pick(['possible', 'unlikely', 'probable']),
              'adverseEvent.onsetAt': `${participant.day1Date}T10:00`,
            },
          },
        ]
      : [];
    return { ...participant, adverseEvents };
  });
  return { sources, armOf, stratumOf };
}

/** Log-rank (to 1e-12) and Cox (to 1e-6, as the iterations stop) of the report against R's. */
function checkTests(
  label: string,
  ours: ArmComparison,
  r: RTests,
  exact: Comparison,
  comparison: Comparison,
) {
  const { logRank: test, cox } = ours;
  if (!test || !cox) throw new Error(`no ${label}log-rank or Cox model`);
  exact.checkAll(`${label}survdiff n`, test.n, r.survdiff.n);
  exact.checkAll(`${label}survdiff obs`, test.observed, r.survdiff.obs);
  exact.checkAll(`${label}survdiff exp`, test.expected, r.survdiff.exp);
  exact.check(`${label}survdiff chisq`, test.chisq, r.survdiff.chisq);
  exact.check(`${label}survdiff p`, test.pValue, r.survdiff.pValue);
  comparison.checkAll(`${label}coef`, cox.coef, r.cox.coef);
  comparison.checkAll(`${label}se`, cox.se, r.cox.se);
  comparison.checkAll(`${label}hazard ratio`, cox.hazardRatio, r.cox.hr);
  comparison.checkAll(`${label}hr lower`, cox.lower, r.cox.lower);
  comparison.checkAll(`${label}hr upper`, cox.upper, r.cox.upper);
  comparison.checkAll(`${label}wald p`, cox.pValue, r.cox.pValue);
  comparison.check(`${label}likelihood-ratio p`, cox.likelihoodRatio.pValue, r.cox.lrPValue);
  comparison.check(`${label}score p`, cox.score.pValue, r.cox.scorePValue);
}

const shown = (model: ReportModel): ArmsShown => {
  if (model.byArm?.visibility !== 'shown') throw new Error('no results by arm');
  return model.byArm;
};

describe('results by arm in the report', () => {
  let protocol: Protocol;
  let sources: ParticipantSource[];
  let armOf: Map<string, string>;
  let stratumOf: Map<string, string>;
  let model: ReportModel;

  beforeAll(async () => {
    const loaded = await loadProtocolFile(rctPath);
    if (!loaded.ok) throw new Error('the randomised example does not load');
    protocol = loaded.protocol;
    ({ sources, armOf, stratumOf } = randomisedCohort());
    model = buildReportModel({ ...stamp, protocol, sources, arms: { visible: true, armOf, stratumOf } });
  });

  const rowsOf = () =>
    (model.efficacy.ttci?.participants ?? []).flatMap((participant) =>
      participant.analysis
        ? [
            {
              time: participant.analysis.time,
              event: participant.analysis.event,
              arm: armOf.get(participant.participantId) as string,
              stratum: stratumOf.get(participant.participantId) as string,
            },
          ]
        : [],
    );

  it('gives per arm the N, Kaplan–Meier, log-rank and Cox of the analysis functions on the same rows', () => {
    const section = shown(model);
    const rows = rowsOf();
    expect(section.arms.map((arm) => [arm.id, arm.n])).toEqual([
      ['mscs-exo', 160],
      ['placebo', 80],
    ]);
    expect(section.arms.map((arm) => arm.name.en)).toEqual([
      'MSCs-Exo aerosol inhalation',
      'Placebo (nebulised saline)',
    ]);
    expect(section.reference).toBe('mscs-exo');
    expect(section.unallocated).toBe(0);
    for (const arm of section.arms) {
      const own = rows.filter((row) => row.arm === arm.id);
      const direct = kaplanMeier(own.map((row) => ({ time: row.time, event: row.event })));
      expect(arm.ttci?.rows).toEqual(direct.rows);
      expect(arm.ttci?.median).toEqual(direct.median);
    }
    const records = {
      time: rows.map((row) => row.time),
      event: rows.map((row) => row.event),
      group: rows.map((row) => row.arm),
    };
    expect(section.logRank).toEqual(logRank(records));
    expect(section.cox).toEqual(coxProportionalHazards(records));
    const strata = rows.map((row) => row.stratum);
    expect(new Set(strata).size).toBe(4);
    expect(section.stratified?.logRank).toEqual(logRank({ ...records, strata }));
    expect(section.stratified?.cox).toEqual(coxProportionalHazards({ ...records, strata }));
    expect(section.stratified?.logRank?.chisq).not.toBe(section.logRank?.chisq);
    expect(section.cox?.levels).toEqual(['placebo']);
    expect(section.riskDifferences.map((row) => row.category)).toEqual([...AE_CATEGORIES]);
  });

  it('counts adverse events per arm as the pooled safety tables count them', () => {
    const section = shown(model);
    for (const category of AE_CATEGORIES) {
      const perArm = section.arms.map((arm) => arm.adverseEvents?.[category].participants ?? 0);
      expect(perArm.reduce((sum, value) => sum + value, 0)).toBe(model.safety?.[category].participants);
    }
    const any = section.arms.map((arm) => arm.adverseEvents?.participantsWithAnyEvent.participants ?? 0);
    expect(any[0]).toBeGreaterThan(0);
    expect(any[1]).toBeGreaterThan(0);
  });

  describe('against R', () => {
    if (!hasRscript) {
      if (process.env.CI === 'true') {
        it('needs Rscript under CI', () => {
          throw new Error('Rscript is not on PATH: install r-base-core and r-cran-survival');
        });
      } else it.skip('needs Rscript on PATH (skipped outside CI)', () => {});
      return;
    }
    it('matches survdiff, coxph (Efron), survfit by arm, binom.test and Newcombe from prop.test', () => {
      const section = shown(model);
      const rows = rowsOf();
      const [reference, placebo] = section.arms;
      if (!reference?.adverseEvents || !placebo?.adverseEvents) throw new Error('no adverse-event rates');
      const r = armsInR(
        rows,
        AE_CATEGORIES.map((category) => ({
          category,
          x1: placebo.adverseEvents?.[category].participants ?? 0,
          n1: placebo.adverseEvents?.[category].denominator ?? 0,
          x2: reference.adverseEvents?.[category].participants ?? 0,
          n2: reference.adverseEvents?.[category].denominator ?? 0,
        })),
      );
      const comparison = new Comparison(1e-6);
      const exact = new Comparison(1e-12);
      expect(r.levels).toEqual(section.arms.map((arm) => arm.id));
      checkTests('', section, r, exact, comparison);
      if (!section.stratified) throw new Error('no stratified tests');
      checkTests('stratified ', section.stratified, r.stratified, exact, comparison);
      for (const arm of section.arms) {
        const km = r.km[arm.id];
        const fit = arm.ttci;
        if (!km || !fit) throw new Error(`no Kaplan–Meier fit of ${arm.id}`);
        expect(fit.n).toBe(km.n);
        expect(fit.events).toBe(km.events);
        exact.checkAll(
          `${arm.id} time`,
          fit.rows.map((row) => row.time),
          km.time,
        );
        exact.checkAll(
          `${arm.id} surv`,
          fit.rows.map((row) => row.surv),
          km.surv,
        );
        exact.checkAll(
          `${arm.id} lower`,
          fit.rows.map((row) => row.lower),
          km.lower,
        );
        exact.checkAll(
          `${arm.id} upper`,
          fit.rows.map((row) => row.upper),
          km.upper,
        );
        exact.check(`${arm.id} median`, fit.median.median, km.median);
        exact.check(`${arm.id} median lower`, fit.median.lower, km.medianLower);
        exact.check(`${arm.id} median upper`, fit.median.upper, km.medianUpper);
      }
      section.riskDifferences.forEach((row, index) => {
        const expected = r.differences[index];
        if (!expected) throw new Error(`R gave no difference for ${row.category}`);
        expect(expected.category).toBe(row.category);
        exact.check(`${row.category} difference`, row.difference, expected.difference);
        expect(Math.abs(row.lower - expected.lower), `${row.category} lower`).toBeLessThan(1e-13);
        expect(Math.abs(row.upper - expected.upper), `${row.category} upper`).toBeLessThan(1e-13);
        const own = placebo.adverseEvents?.[row.category];
        const base = reference.adverseEvents?.[row.category];
        exact.checkAll(
          `${row.category} placebo CI`,
          [own?.lower ?? null, own?.upper ?? null],
          expected.clopperPearson1,
        );
        exact.checkAll(
          `${row.category} reference CI`,
          [base?.lower ?? null, base?.upper ?? null],
          expected.clopperPearson2,
        );
      });
      expect(comparison.failures).toEqual([]);
      expect(exact.failures).toEqual([]);
      expect(exact.count).toBeGreaterThan(100);
      expect(section.cox?.events).toBeGreaterThan(100);
    });
  });

  it('shows a blinded reader pooled results and the notice, with no arm anywhere', () => {
    const blinded = buildReportModel({ ...stamp, protocol, sources, arms: { visible: false } });
    expect(blinded.byArm).toEqual({ visibility: 'blinded' });
    const json = JSON.stringify(reportJson(blinded));
    const html = renderReportHtml(blinded, protocol);
    expect(html).toContain('results by arm are shown only to unblinded roles');
    expect(json).toContain('results by arm are shown only to unblinded roles');
    for (const text of [json, html]) {
      for (const arm of protocol.study.design.arms) {
        expect(text).not.toContain(arm.name.en);
        expect(text).not.toContain(arm.name.zh);
        expect(text).not.toContain(arm.id === 'placebo' ? '"placebo"' : arm.id);
      }
    }
    // The pooled part is what the unblinded reader gets too.
    const { byArm: _blindedArms, ...pooled } = reportJson(blinded);
    const { byArm: _shownArms, ...unblinded } = reportJson(model);
    expect(pooled).toEqual(unblinded);
  });

  it('shows the unblinded reader the section in HTML with one curve per arm', () => {
    const html = renderReportHtml(model, protocol);
    expect(html).toContain('<section id="by-arm"><h2>7. Results by arm</h2>');
    expect(html).toContain('data-label="MSCs-Exo aerosol inhalation"');
    expect(html).toContain('data-label="Placebo (nebulised saline)"');
    const cox = shown(model).cox;
    expect(html).toContain(`${cox?.hazardRatio[0]?.toFixed(3)} (95% CI ${cox?.lower[0]?.toFixed(3)}`);
    expect(html).toContain('Newcombe hybrid score 95% CI');
  });

  it('says why there is no comparison when one arm is empty or has no improvement yet', () => {
    const allActive = new Map([...armOf.keys()].map((id) => [id, 'mscs-exo']));
    const oneArm = shown(
      buildReportModel({ ...stamp, protocol, sources, arms: { visible: true, armOf: allActive } }),
    );
    expect(oneArm.arms.map((arm) => arm.n)).toEqual([240, 0]);
    expect(oneArm.logRank).toBeNull();
    expect(oneArm).toMatchObject({ cox: null, coxUnavailable: 'fewer-than-two-arms', riskDifferences: [] });
    // Placebo participants who never improve: censored at their last day, no event in that arm.
    const noPlaceboEvents = sources.map((participant) =>
      armOf.get(participant.participantId) === 'placebo'
        ? {
            ...participant,
            records: participant.records.filter(
              (record) => record.formId !== 'clinicalStatus' || record.visitKey === 'screening',
            ),
          }
        : participant,
    );
    const withoutEvents = buildReportModel({
      ...stamp,
      protocol,
      sources: noPlaceboEvents,
      arms: { visible: true, armOf },
    });
    expect(shown(withoutEvents)).toMatchObject({ cox: null, coxUnavailable: 'arm-without-events' });
    expect(shown(withoutEvents).logRank?.df).toBe(1);
    expect(renderReportHtml(withoutEvents, protocol)).toContain('not fitted: an arm has no improvement yet');
  });

  it('leaves the report of the single-arm study without a by-arm section', async () => {
    const single = await mexcovid();
    const report = buildReportModel({ ...stamp, protocol: single, sources });
    expect(report.byArm).toBeNull();
    expect('byArm' in reportJson(report)).toBe(false);
    expect(renderReportHtml(report, single)).not.toContain('by-arm');
  });
});
