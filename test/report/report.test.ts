import { describe, expect, it } from 'vitest';
import { binomialTest } from '../../src/analysis/binomial.ts';
import { kaplanMeier } from '../../src/analysis/kaplan-meier.ts';
import { compileTtci, deriveTtci } from '../../src/outcomes/ttci.ts';
import { renderReportHtml } from '../../src/report/report.html.ts';
import { buildReportModel, reportJson } from '../../src/report/report.model.ts';
import { mexcovid, syntheticCohort } from '../outcomes/fixtures.ts';

const protocol = await mexcovid();
const CUT = '2021-01-01T00:00:00.000Z';

function cohortWithSafetyAndDosing() {
  const cohort = syntheticCohort(80, 7);
  cohort.forEach((participant, index) => {
    participant.doses = protocol.regimen.doseVisits.map((visitId, dose) => ({
      visitId,
      doseNumber: dose + 1,
      status:
        index % 10 !== 0 || visitId === 'day-1'
          ? index % 20 === 1
            ? 'interrupted'
            : 'completed'
          : 'not-given',
      startedLocal: null,
    }));
    if (index % 4 === 0) {
      participant.adverseEvents = [
        {
          aeNumber: 1,
          values: {
            'adverseEvent.term': index % 8 === 0 ? 'Cough' : 'Headache',
            'adverseEvent.onsetAt': `${participant.day1Date}T10:00`,
            'adverseEvent.grade': index % 16 === 0 ? 3 : 1,
            'adverseEvent.serious': index % 16 === 0,
            'adverseEvent.causality': index % 8 === 0 ? 'possible' : 'unlikely',
            'adverseEvent.outcome': 'recovered',
          },
        },
      ];
    }
  });
  return cohort;
}

describe('trial report', () => {
  const sources = cohortWithSafetyAndDosing();
  const model = buildReportModel({
    dataCut: CUT,
    protocolVersion: '1.0',
    protocolVersionNo: 1,
    protocol,
    sources,
  });
  const json = reportJson(model);

  it('JSON numbers equal the pure functions on the same derived data', () => {
    const compiled = compileTtci(protocol);
    const rows = sources.map((participant) => deriveTtci(compiled, participant, CUT.slice(0, 10)).analysis);
    const fit = kaplanMeier(rows.flatMap((row) => (row ? [{ time: row.time, event: row.event }] : [])));
    expect(json.efficacy.ttci?.kaplanMeier?.median).toEqual(fit.median);
    expect(json.efficacy.ttci?.kaplanMeier?.rows).toEqual(fit.rows);
    const deaths = sources.filter((participant) => participant.status === 'died').length;
    expect(json.efficacy.mortality?.deaths).toBe(deaths);
    expect(json.efficacy.mortality?.test.pValue).toBe(
      binomialTest(deaths, 80, { p: 0.1, alternative: 'less' }).pValue,
    );
    expect(json.consort.enrolled).toBe(80);
    expect(json.dosing.doses[0]?.given).toBe(80);
    expect(json.dosing.doses[1]?.given).toBe(72);
    expect(json.dosing.doses[1]?.notGiven).toBe(8);
    expect(json.dosing.doses[0]?.interrupted).toBe(4);
    expect(json.dosing.allDoses).toBe(72);
    expect(json.safety?.participantsWithAnyEvent.participants).toBe(20);
    expect(json.safety?.related.participants).toBe(10);
    expect(json.safety?.serious.participants).toBe(5);
    expect(json.safety?.seriousListing).toHaveLength(5);
    expect(json.safety?.seriousListing[0]).toMatchObject({ onsetDay: 1, grade: 3, term: 'Cough' });
    expect(json.dataCut).toBe(CUT);
    // The serialised report round-trips through JSON without losing numbers (no Infinity where R has none).
    expect(JSON.parse(JSON.stringify(json)).efficacy.ttci.kaplanMeier.n).toBe(fit.n);
  });

  it('HTML holds every section, each table stamped with the data cut and protocol version, and the plots inline', () => {
    const html = renderReportHtml(model, protocol);
    for (const id of ['summary', 'consort', 'baseline', 'dosing', 'safety', 'efficacy']) {
      expect(html).toContain(`<section id="${id}">`);
    }
    const tables = html.match(/<table>/g)?.length ?? 0;
    const stamps =
      html.match(/<caption>[\s\S]*?Data cut 2021-01-01T00:00:00.000Z · protocol version 1.0/g)?.length ?? 0;
    expect(tables).toBeGreaterThan(8);
    expect(stamps).toBe(tables);
    for (const figure of [
      'CONSORT flow diagram',
      'Time to clinical improvement',
      'Cumulative incidence',
      'by study day',
      'Participants day by day',
      'Change in lymphocyte count',
    ]) {
      expect(html).toContain(figure);
    }
    expect(html.match(/<svg /g)?.length ?? 0).toBeGreaterThanOrEqual(9);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('Listing of serious adverse events');
  });

  it('shows how the causality scale is counted: related in the tables, possibly related for SUSAR clocks', () => {
    expect(json.safety?.causality.scale).toBe('WHO-UMC');
    const rows = json.safety?.causality.categories.map(({ id, related, expedited }) => [
      id,
      related,
      expedited,
    ]);
    expect(rows).toEqual([
      ['certain', true, true],
      ['probable', true, true],
      ['possible', true, true],
      ['unlikely', false, false],
      ['conditional', false, true],
      ['unassessable', false, true],
    ]);
    const html = renderReportHtml(model, protocol);
    const section = html.slice(html.indexOf('<section id="safety">'));
    const caption = section.indexOf('Causality (WHO-UMC) as counted for reporting');
    expect(caption).toBeGreaterThan(0);
    const mapping = section.slice(caption, section.indexOf('</table>', caption));
    expect(mapping).toContain('<td>Unlikely</td><td>unlikely</td><td>no</td><td>no (default)</td>');
    expect(mapping).toContain(
      '<td>Conditional/unclassified</td><td>conditional</td><td>no</td><td>yes (default)</td>',
    );
    expect(mapping).toContain(
      '<td>Unassessable/unclassifiable</td><td>unassessable</td><td>no</td><td>yes (default)</td>',
    );
    expect(mapping).toContain('<td>Certain</td><td>certain</td><td>yes</td><td>yes (default)</td>');
  });
});
