import type { MedianIqr } from '../analysis/descriptive.ts';
import type { IncidenceRow } from '../analysis/incidence.ts';
import { escapeXml as esc } from '../analysis/svg.ts';
import type { OutcomeResult, Proportion } from '../outcomes/secondary.ts';
import type { Protocol } from '../protocol/schema.ts';
import { armsHtml } from './report.arms.html.ts';
import {
  consortFigure,
  labFigures,
  ordinalFigure,
  swimmerFigure,
  timeToEventFigure,
  ttciFigures,
} from './report.figures.ts';
import { number, percent, pValue, table } from './report.html-parts.ts';
import type { ReportModel, SafetyTables } from './report.model.ts';

// The report as one self-contained HTML page: inline CSS, SVG figures inline, no scripts, no external
// resources, so it opens offline, prints, and converts to PDF with selectable text.

const medianText = (summary: MedianIqr, digits = 1): string =>
  summary.n === 0
    ? '—'
    : `${number(summary.median, digits)} (${number(summary.q1, digits)}–${number(summary.q3, digits)})`;
const proportionText = (result: Proportion): string =>
  result.proportion === null
    ? `0/0`
    : `${result.count}/${result.n} (${percent(result.proportion)}; 95% CI ${percent(result.lower)}–${percent(result.upper)})`;

function stamp(model: ReportModel): string {
  const unplaced = model.unplacedValues.length
    ? `<p class="stamp">Saved values defined by no protocol version, in no table: ${esc(model.unplacedValues.join('; '))}</p>`
    : '';
  return `<p class="stamp">Data cut ${esc(model.dataCut)} · protocol version ${esc(model.protocolVersion)}</p>${unplaced}`;
}

const incidenceCells = (label: string, row: IncidenceRow): string[] => [
  label,
  `${row.participants}/${row.denominator}`,
  percent(row.proportion),
  `${percent(row.lower)}–${percent(row.upper)}`,
];

function summarySection(model: ReportModel, protocol: Protocol): string {
  const { study } = model;
  return `<section id="summary"><h2>1. Study summary</h2>
<dl>
<dt>Title</dt><dd>${esc(study.title.en)}</dd>
<dt>Registry</dt><dd>${esc(study.registryId)}</dd>
<dt>Phase and design</dt><dd>Phase ${esc(study.phase)}; ${esc(protocol.study.design.model)}, ${esc(protocol.study.design.allocation === 'none' ? 'not randomised' : protocol.study.design.allocation)}, masking: ${esc(protocol.study.design.masking)}</dd>
<dt>Intervention</dt><dd>${esc(protocol.regimen.dose.description.en)}; ${protocol.regimen.numberOfDoses} doses, ${esc(protocol.regimen.route)}</dd>
<dt>Primary outcomes</dt><dd>${protocol.outcomes.primary.map((outcome) => esc(outcome.title.en)).join('; ')}</dd>
<dt>Planned / enrolled</dt><dd>${study.plannedEnrolment} / ${model.consort.enrolled}</dd>
</dl>${stamp(model)}</section>`;
}

function consortSection(model: ReportModel): string {
  const { consort } = model;
  return `<section id="consort"><h2>2. Participant flow (CONSORT)</h2>
<figure>${consortFigure(model)}<figcaption>Counts from participant states at the data cut.</figcaption></figure>
${table(
  'Participant flow',
  model,
  ['Stage', 'Participants'],
  [
    ['Assessed for eligibility', String(consort.screened)],
    ['Screen failures', String(consort.screenFailed)],
    ['Declined', String(consort.declined)],
    ['Enrolled', String(consort.enrolled)],
    ['Completed day 28', String(consort.completed)],
    ['Ongoing', String(consort.ongoing)],
    ['Died', String(consort.died)],
    ['Withdrawn', String(consort.withdrawn)],
    ['Lost to follow-up', String(consort.lostToFollowUp)],
    ['Analysed for TTCI', String(consort.analysed)],
  ],
)}${deviationsTable(model)}</section>`;
}

/** Confirmed protocol deviations by category, beside the participant flow as ICH E3 §10.2 places them. */
function deviationsTable(model: ReportModel): string {
  if (model.deviations === null) return '';
  if (model.deviations.length === 0) return '<p>No confirmed protocol deviation at the data cut.</p>';
  const words = (category: string) => {
    const text = category.replaceAll('-', ' ');
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
  };
  return table(
    'Confirmed protocol deviations',
    model,
    ['Category', 'Major', 'Minor'],
    model.deviations.map((row) => [words(row.category), String(row.major), String(row.minor)]),
  );
}

function baselineSection(model: ReportModel): string {
  const rows: string[][] = [];
  for (const row of model.baseline) {
    const label = `${row.label.en}${row.unit ? ` (${row.unit})` : ''}`;
    if (row.kind === 'numeric' && row.summary) {
      rows.push([
        label,
        `median (IQR) ${medianText(row.summary, 2)}; range ${number(row.summary.min, 2)}–${number(row.summary.max, 2)}`,
        String(row.summary.n),
        String(row.missing),
      ]);
    } else {
      const total = (row.counts ?? []).reduce((sum, count) => sum + count.count, 0);
      rows.push([label, '', String(total), String(row.missing)]);
      for (const count of row.counts ?? []) {
        if (count.count === 0 && (row.counts?.length ?? 0) > 4) continue;
        rows.push([
          `  ${count.label.en}`,
          `${count.count} (${percent(total ? count.count / total : null)})`,
          '',
          '',
        ]);
      }
    }
  }
  return `<section id="baseline"><h2>3. Baseline characteristics</h2>
${table(`Baseline characteristics of the ${model.consort.enrolled} enrolled participants`, model, ['Characteristic', 'Value', 'n', 'Missing'], rows)}</section>`;
}

function dosingSection(model: ReportModel): string {
  const { dosing } = model;
  return `<section id="dosing"><h2>4. Dosing compliance</h2>
${table(
  'Doses given per dosing visit (dose records of the dosing module)',
  model,
  ['Visit', 'Given', 'Completed', 'Interrupted', 'Not given', 'Not recorded'],
  dosing.doses.map((dose) => [
    dose.name.en,
    `${dose.given}/${dosing.enrolled}`,
    String(dose.completed),
    String(dose.interrupted),
    String(dose.notGiven),
    String(dose.notRecorded),
  ]),
)}
<p>Participants given every dose: ${dosing.allDoses}/${dosing.enrolled} (${percent(dosing.enrolled ? dosing.allDoses / dosing.enrolled : null)}).</p></section>`;
}

/** How each causality judgement is counted: an adverse reaction here, and a suspected reaction for SUSAR clocks. */
function causalityTable(model: ReportModel, causality: SafetyTables['causality']): string {
  const yes = (value: boolean) => (value ? 'yes' : 'no');
  return table(
    `Causality (${causality.scale}) as counted for reporting`,
    model,
    ['Category', 'Code', 'Adverse reaction (related)', 'Possibly related for expedited reporting (SUSAR)'],
    causality.categories.map((category) => [
      category.label.en,
      category.id,
      yes(category.related),
      category.expeditedSource === 'default'
        ? `${yes(category.expedited)} (default)`
        : `${yes(category.expedited)} (protocol)`,
    ]),
  );
}

function safetySection(model: ReportModel): string {
  const safety = model.safety;
  if (!safety)
    return '<section id="safety"><h2>5. Safety</h2><p>No adverse-event form in this protocol, or no participant enrolled.</p></section>';
  const head = ['Category', 'Participants', '%', '95% CI (Clopper–Pearson)'];
  return `<section id="safety"><h2>5. Safety</h2>
<p>${safety.events} adverse events recorded. Proportions are of participants with at least one event among the ${safety.participantsWithAnyEvent.denominator} enrolled.</p>
${table('Overview of adverse events', model, head, [
  incidenceCells('Any adverse event', safety.participantsWithAnyEvent),
  incidenceCells('Adverse reaction (related)', safety.related),
  incidenceCells('Serious adverse event', safety.serious),
  incidenceCells('Serious adverse reaction', safety.seriousRelated),
])}
${causalityTable(model, safety.causality)}
${table(
  'Participants by worst CTCAE grade',
  model,
  head,
  safety.byGrade.map((row) => incidenceCells(`Grade ${row.category}`, row)),
)}
${table(
  'Adverse events by system organ class and preferred term (MedDRA; verbatim terms coded to each)',
  model,
  head,
  safety.bySocAndTerm.flatMap((group) => [
    incidenceCells(group.soc ?? 'Not coded yet', group.row),
    ...group.terms.map((term) =>
      incidenceCells(
        `    ${term.term}${group.soc && term.verbatims.length > 0 ? ` (${term.verbatims.join('; ')})` : ''}`,
        term.row,
      ),
    ),
  ]),
)}
${table(
  'Adverse events by reported term',
  model,
  head,
  safety.byTerm.map((row) => incidenceCells(row.category, row)),
)}
${table(
  'Listing of serious adverse events',
  model,
  ['Participant', 'Event', 'Onset (study day)', 'Grade', 'Causality', 'Outcome'],
  safety.seriousListing.map((event) => [
    event.participant,
    event.term,
    number(event.onsetDay),
    number(event.grade),
    event.causality ?? '—',
    event.outcome ?? '—',
  ]),
)}
</section>`;
}

function outcomeRow(outcome: OutcomeResult): string[] {
  const label = `${outcome.title.en} (day ${outcome.timeFrameDays})`;
  switch (outcome.measure) {
    case 'participants-with-event':
    case 'participants-transitioning':
    case 'proportion':
      return [outcome.group, label, proportionText(outcome.result)];
    case 'days-with-condition':
      return [
        outcome.group,
        label,
        `days: median (IQR) ${medianText(outcome.days)}; free days ${medianText(outcome.freeDays)}; ${outcome.missingDays} participant-days unrecorded`,
      ];
    case 'time-to-event': {
      const fit = outcome.fit;
      if (!fit) return [outcome.group, label, 'no data'];
      return [
        outcome.group,
        label,
        `${fit.events}/${fit.n} events; median ${number(fit.median.median)} days (95% CI ${number(fit.median.lower)}–${number(fit.median.upper)})`,
      ];
    }
    case 'change-from-baseline': {
      const { last } = outcome;
      const test = last.wilcoxon
        ? `; Wilcoxon signed-rank V = ${last.wilcoxon.statistic}, p = ${pValue(last.wilcoxon.pValue)}`
        : '';
      return [
        outcome.group,
        `${label}${outcome.unit ? `, ${outcome.unit}` : ''}`,
        `baseline ${medianText(last.baseline, 2)} → last ${medianText(last.last, 2)}; change ${medianText(last.change, 2)} (n = ${last.change.n})${test}`,
      ];
    }
  }
}

function efficacySection(model: ReportModel, protocol: Protocol): string {
  const { ttci, mortality, outcomes } = model.efficacy;
  const figures = ttciFigures(model, protocol);
  const parts = ['<section id="efficacy"><h2>6. Efficacy</h2>'];
  if (ttci?.fit) {
    const fit = ttci.fit;
    const improvedBy = (day: number) => {
      const row = [...fit.rows].reverse().find((candidate) => candidate.time <= day);
      return row ? 1 - row.surv : 0;
    };
    parts.push(
      `<h3>6.1 Time to clinical improvement (primary)</h3>
<p>${esc(protocol.outcomes.ttci?.title.en ?? '')}: a decline of ${protocol.outcomes.ttci?.improvementCategories} categories from baseline or discharge alive, by day ${protocol.outcomes.ttci?.horizonDays}; deaths and non-improvers censored at day ${protocol.outcomes.ttci?.horizonDays}; participants whose follow-up ended early censored at their last recorded day. Kaplan–Meier estimate with Greenwood log intervals (R survival's survfit).</p>`,
      table(
        'Time to clinical improvement',
        model,
        ['Quantity', 'Value'],
        [
          ['Participants analysed', String(fit.n)],
          ['Improved', String(fit.events)],
          ['Excluded: no baseline category', String(ttci.excluded.baselineMissing)],
          [
            'Median TTCI, days (95% CI)',
            `${number(fit.median.median)} (${number(fit.median.lower)}–${number(fit.median.upper)})`,
          ],
          [
            'Improved by day 7 / 14 / 28 (1 − KM)',
            [7, 14, 28].map((day) => percent(improvedBy(day))).join(' / '),
          ],
        ],
      ),
      figures.km
        ? `<figure>${figures.km}<figcaption>Kaplan–Meier curve of time to clinical improvement with its 95% band and numbers at risk.</figcaption></figure>`
        : '',
      figures.cif
        ? `<h3>6.2 Competing-risk sensitivity analysis</h3><p>Aalen–Johansen cumulative incidence of improvement with death as a competing event (R survival's multi-state survfit).</p><figure>${figures.cif}</figure>`
        : '',
    );
    const competing = ttci.competing?.rows[ttci.competing.rows.length - 1];
    if (competing) {
      parts.push(
        table(
          'Cumulative incidence at the last day',
          model,
          ['State', 'Estimate', '95% CI'],
          [
            [
              'Improved',
              percent(competing.event.estimate),
              `${percent(competing.event.lower)}–${percent(competing.event.upper)}`,
            ],
            [
              'Died before improvement',
              percent(competing.competing.estimate),
              `${percent(competing.competing.lower)}–${percent(competing.competing.upper)}`,
            ],
          ],
        ),
      );
    }
  }
  if (mortality) {
    parts.push(
      `<h3>6.3 Mortality by day ${mortality.horizonDays}</h3>`,
      table(
        `Mortality by day ${mortality.horizonDays} against the historical ${percent(mortality.historicalRate)}`,
        model,
        ['Quantity', 'Value'],
        [
          ['Deaths', `${mortality.deaths}/${mortality.n} (${percent(mortality.deaths / mortality.n)})`],
          [
            'Exact one-sided binomial test, H1: rate < historical',
            `p = ${pValue(mortality.test.pValue)}; one-sided 95% upper limit ${percent(mortality.test.confInt.upper)}`,
          ],
          [
            `Posterior, Beta(${mortality.prior.a}, ${mortality.prior.b}) prior`,
            `Beta(${mortality.posterior.a}, ${mortality.posterior.b}); mean ${percent(mortality.posterior.mean)}; 95% credible interval ${percent(mortality.posterior.lower)}–${percent(mortality.posterior.upper)}`,
          ],
          [
            'Posterior probability that the rate is below the historical rate',
            mortality.probabilityBelowHistorical.toFixed(4),
          ],
        ],
      ),
    );
  }
  parts.push(
    '<h3>6.4 Outcomes of the protocol</h3>',
    table(
      'Primary, secondary and exploratory outcomes',
      model,
      ['Group', 'Outcome', 'Result'],
      outcomes.map(outcomeRow),
    ),
  );
  const ordinal = ordinalFigure(model, protocol);
  if (ordinal)
    parts.push(
      `<h3>6.5 Clinical status by day</h3><figure>${ordinal}<figcaption>Share of participants under follow-up in each category; after discharge a participant leaves the bars.</figcaption></figure>`,
    );
  const swimmer = swimmerFigure(model, protocol);
  if (swimmer) parts.push(`<h3>6.6 Participants day by day</h3><figure>${swimmer}</figure>`);
  const labs = labFigures(model, protocol);
  if (labs.length) {
    parts.push(
      '<h3>6.7 Laboratory trajectories</h3><p>Median and interquartile range by nominal study day, improvers against the others.</p><div class="grid">',
    );
    for (const lab of labs) parts.push(`<figure>${lab.svg}</figure>`);
    parts.push('</div>');
  }
  for (const outcome of outcomes) {
    if (outcome.measure !== 'time-to-event' || outcome.definedBy !== 'rule') continue;
    const svg = timeToEventFigure(outcome.title.en, outcome.fit, outcome.timeFrameDays);
    if (svg) parts.push(`<figure>${svg}</figure>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

const STYLE = `
body{font-family:Helvetica,Arial,"Noto Sans CJK SC",sans-serif;color:#222;max-width:980px;margin:24px auto;padding:0 16px;line-height:1.4}
h1{font-size:24px;margin-bottom:4px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:36px;page-break-after:avoid}
h3{margin-top:24px}table{border-collapse:collapse;width:100%;margin:12px 0;font-size:13px;page-break-inside:auto}
caption{text-align:left;font-weight:bold;padding:4px 0}th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;white-space:pre-wrap}
th{background:#f2f5f9}.stamp{color:#666;font-size:11px;font-weight:normal}dl{display:grid;grid-template-columns:180px 1fr;gap:4px 12px}
dt{font-weight:bold}figure{margin:12px 0;page-break-inside:avoid}figure svg{max-width:100%;height:auto}figcaption{font-size:12px;color:#555}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px}@media print{body{margin:0;max-width:none}}`;

/** The whole report as one HTML document. */
export function renderReportHtml(model: ReportModel, protocol: Protocol): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(model.study.shortTitle)} trial report</title><style>${STYLE}</style></head>
<body>
<header><h1>${esc(model.study.shortTitle)}: trial report</h1><p>${esc(model.study.title.en)}</p>${stamp(model)}</header>
${summarySection(model, protocol)}
${consortSection(model)}
${baselineSection(model)}
${dosingSection(model)}
${safetySection(model)}
${efficacySection(model, protocol)}
${armsHtml(model, protocol)}
<footer><p class="stamp">Generated by exotrial from source records; every number is derived at the data cut shown, none typed.</p></footer>
</body></html>
`;
}
