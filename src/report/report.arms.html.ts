import { kaplanMeierSvg } from '../analysis/km-plot.ts';
import { escapeXml as esc } from '../analysis/svg.ts';
import type { Protocol } from '../protocol/schema.ts';
import {
  type AeCategory,
  type ArmComparison,
  type ArmsShown,
  BLINDED_NOTICE,
  type CoxUnavailable,
} from './report.arms.ts';
import { number, percent, pValue, table } from './report.html-parts.ts';
import type { ReportModel } from './report.model.ts';

// Section 7 of the HTML report: results by arm for an unblinded reader, or the notice that they
// exist for a blinded one (which names no arm).

export const AE_CATEGORY_LABELS: Record<AeCategory, string> = {
  participantsWithAnyEvent: 'Any adverse event',
  related: 'Adverse reaction (related)',
  serious: 'Serious adverse event',
  seriousRelated: 'Serious adverse reaction',
};

const COX_UNAVAILABLE: Record<CoxUnavailable, string> = {
  'fewer-than-two-arms': 'not fitted: fewer than two arms have participants analysed for TTCI.',
  'reference-arm-empty': 'not fitted: the reference arm has no participant analysed for TTCI.',
  'no-events': 'not fitted: no participant has improved yet.',
  'arm-without-events': 'not fitted: an arm has no improvement yet (its hazard ratio would be infinite).',
  'not-converged': 'not fitted: the model did not converge.',
};

const signed = (value: number) => `${value > 0 ? '+' : ''}${(value * 100).toFixed(1)}%`;

function survivalTables(
  model: ReportModel,
  section: ArmsShown,
  names: Map<string, string>,
  horizon: number,
): string[] {
  const parts = [
    table(
      'Time to clinical improvement by arm (Kaplan–Meier, Greenwood log intervals)',
      model,
      ['Arm', 'Enrolled', 'Analysed for TTCI', 'Improved', 'Median TTCI, days (95% CI)'],
      section.arms.map((arm) => [
        arm.name.en,
        String(arm.n),
        String(arm.ttci?.n ?? 0),
        String(arm.ttci?.events ?? 0),
        arm.ttci
          ? `${number(arm.ttci.median.median)} (${number(arm.ttci.median.lower)}–${number(arm.ttci.median.upper)})`
          : '—',
      ]),
    ),
  ];
  const fits = section.arms.flatMap((arm) => (arm.ttci ? [{ label: arm.name.en, fit: arm.ttci }] : []));
  if (fits.length) {
    parts.push(
      `<figure>${kaplanMeierSvg(fits, {
        title: 'Time to clinical improvement by arm: proportion not yet improved',
        xLabel: 'Study day',
        yLabel: 'Not yet improved',
        xMax: horizon,
        riskTimes: [0, 7, 14, 21, 28].filter((day) => day <= horizon),
      })}<figcaption>Kaplan–Meier curves by arm with their 95% bands and numbers at risk.</figcaption></figure>`,
    );
  }
  const reference = names.get(section.reference) ?? section.reference;
  const rows = [
    ...testRows(section, names, reference, ''),
    ...(section.stratified
      ? testRows(section.stratified, names, reference, ', stratified by randomisation stratum')
      : []),
  ];
  if (rows.length)
    parts.push(
      table('Comparison of time to clinical improvement between arms', model, ['Test', 'Result'], rows),
    );
  return parts;
}

function testRows(
  comparison: ArmComparison,
  names: Map<string, string>,
  reference: string,
  stratified: string,
): string[][] {
  const rows: string[][] = [];
  const { logRank, cox } = comparison;
  if (logRank) {
    rows.push([
      `Log-rank test${stratified} (R survdiff)`,
      `χ² = ${logRank.chisq.toFixed(3)}, df = ${logRank.df}, p = ${pValue(logRank.pValue)}`,
    ]);
  }
  if (cox) {
    cox.levels.forEach((level, index) => {
      rows.push([
        `Hazard ratio of improvement, ${names.get(level) ?? level} vs ${reference} (Cox, Efron ties${stratified})`,
        `${number(cox.hazardRatio[index], 3)} (95% CI ${number(cox.lower[index], 3)}–${number(cox.upper[index], 3)}); Wald p = ${pValue(cox.pValue[index] as number)}`,
      ]);
    });
    rows.push([
      `Cox model${stratified}: likelihood-ratio / score test`,
      `p = ${pValue(cox.likelihoodRatio.pValue)} / ${pValue(cox.score.pValue)}`,
    ]);
  } else if (comparison.coxUnavailable) {
    rows.push([`Cox model${stratified}`, COX_UNAVAILABLE[comparison.coxUnavailable]]);
  }
  return rows;
}

function safetyTables(model: ReportModel, section: ArmsShown, names: Map<string, string>): string[] {
  const withEvents = section.arms.filter((arm) => arm.adverseEvents !== null);
  if (withEvents.length === 0)
    return ['<p>No participant enrolled in any arm: no adverse-event rates by arm.</p>'];
  const categories = Object.keys(AE_CATEGORY_LABELS) as AeCategory[];
  const reference = names.get(section.reference) ?? section.reference;
  return [
    table(
      'Participants with adverse events by arm (95% CI Clopper–Pearson)',
      model,
      ['Category', ...withEvents.map((arm) => arm.name.en)],
      categories.map((category) => [
        AE_CATEGORY_LABELS[category],
        ...withEvents.map((arm) => {
          const row = arm.adverseEvents?.[category];
          return row
            ? `${row.participants}/${row.denominator} (${percent(row.proportion)}; ${percent(row.lower)}–${percent(row.upper)})`
            : '—';
        }),
      ]),
    ),
    table(
      `Risk differences against ${reference} (Newcombe hybrid score 95% CI)`,
      model,
      ['Category', 'Arm', 'Difference', '95% CI'],
      section.riskDifferences.map((row) => [
        AE_CATEGORY_LABELS[row.category],
        `${names.get(row.arm) ?? row.arm} − ${reference}`,
        signed(row.difference),
        `${signed(row.lower)} to ${signed(row.upper)}`,
      ]),
    ),
  ];
}

/** The by-arm section of the report; empty for a study that is not randomised. */
export function armsHtml(model: ReportModel, protocol: Protocol): string {
  const section = model.byArm;
  if (!section) return '';
  const heading = '<section id="by-arm"><h2>7. Results by arm</h2>';
  if (section.visibility === 'blinded') return `${heading}<p>${esc(BLINDED_NOTICE.en)}</p></section>`;
  const names = new Map(section.arms.map((arm) => [arm.id, arm.name.en]));
  const reference = names.get(section.reference) ?? section.reference;
  const unallocated = section.unallocated
    ? ` ${section.unallocated} enrolled participants have no allocation and are not analysed by arm.`
    : '';
  return [
    heading,
    `<p>Participants analysed in the arm they were allocated to. The reference arm of the hazard ratios and risk differences is ${esc(reference)}, the first arm in the sorted order of the arm codes (as R orders a factor's levels). Log-rank tests and Cox models unstratified, then stratified by the strata of the randomisation.${esc(unallocated)}</p>`,
    ...survivalTables(model, section, names, protocol.outcomes.ttci?.horizonDays ?? 28),
    ...safetyTables(model, section, names),
    '</section>',
  ].join('\n');
}
