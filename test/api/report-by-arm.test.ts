import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { coxProportionalHazards } from '../../src/analysis/cox.ts';
import { kaplanMeier } from '../../src/analysis/kaplan-meier.ts';
import { logRank } from '../../src/analysis/logrank.ts';
import { newcombeDifference } from '../../src/analysis/risk-difference.ts';
import { eligibleScreeningForms } from '../../src/synth/sample-patient.ts';
import { Comparison } from '../r/fixtures.ts';
import { armsInR, hasRscript } from '../report/arms-r.ts';
import { dateAfter, siteDateFromToday } from '../support/dosed-participant.ts';
import { enrolWithScreeningForms, randomisedStudy } from '../support/randomised-study.ts';
import { describeEachDatabase, type SignedIn, type TestApp } from '../support/test-app.ts';
import { as, type TrialUsers } from '../support/trial-users.ts';
import { fields, shanghaiLocal } from './safety-support.ts';

// The report of the randomised example over the API: participants of both arms with daily clinical
// status and adverse events entered through the eCRF and safety routes. The unblinded statistician's
// report carries results by arm equal to the analysis functions run on the report's own TTCI rows and
// the stored allocations; a blinded data manager's report names no arm, in JSON or HTML.

const rctProtocol = fileURLToPath(new URL('../../protocols/examples/mexcovid-rct.yaml', import.meta.url));
const day1 = siteDateFromToday(-12);
const HOUR = 3_600_000;
const formUrl = (participantId: string, visitKey: string, formId: string, instance = 1) =>
  `/api/v1/participants/${participantId}/visits/${visitKey}/forms/${formId}?instance=${instance}`;
const hospital = {
  died: false,
  hospitalised: true,
  supplementalOxygen: true,
  hfnoOrNiv: false,
  invasiveVentilation: false,
  ecmo: false,
  icu: false,
  vasoactiveDrugs: false,
};
const discharged = { died: false, hospitalised: false, normalActivities: false };

/** Screened, consented and confirmed eligible on `day1`, then enrolled (and so randomised) with that day 1. */
function enrolledOn(t: TestApp, users: TrialUsers, severity: 'severe' | 'critical'): Promise<string> {
  const consentedAt = new Date(Date.parse(`${day1}T00:00:00+08:00`) + 3 * HOUR).toISOString();
  const forms = eligibleScreeningForms(day1, consentedAt);
  forms.screening = { ...forms.screening, diseaseSeverity: severity };
  const baseline = { ...hospital, assessedOn: day1 };
  return enrolWithScreeningForms(t, users, {
    day1,
    consentedAt,
    forms: [...Object.entries(forms), ['clinicalStatus', baseline] as const],
  });
}

/** Daily status for study days 1..last: in hospital on oxygen, then discharged on `last` if `improves`. */
async function dailyStatus(
  t: TestApp,
  users: TrialUsers,
  participantId: string,
  last: number,
  improves: boolean,
) {
  for (let day = 1; day <= last; day++) {
    const values = {
      ...(improves && day === last ? discharged : hospital),
      assessedOn: dateAfter(day1, day - 1),
    };
    const saved = await as(t.app, users.coordinator).put(
      formUrl(participantId, 'daily-status', 'clinicalStatus', day),
      { version: 0, entries: fields(values) },
    );
    expect(saved.statusCode, `day ${day}: ${saved.body}`).toBe(200);
  }
}

async function adverseEvent(
  t: TestApp,
  users: TrialUsers,
  participantId: string,
  serious: boolean,
  causality: string,
) {
  const common = {
    term: serious ? 'Pneumonia' : 'Cough',
    onsetAt: shanghaiLocal(new Date(Date.now() - 5 * HOUR)),
    ongoing: true,
    inhalationAssociated: false,
    actionTaken: 'none',
    grade: serious ? 3 : 1,
    serious,
    causality,
    outcome: 'recovering',
  };
  const extra = serious
    ? {
        seriousnessCriteria: ['hospitalisation'],
        awareAt: shanghaiLocal(new Date(Date.now() - 2 * HOUR)),
        expected: false,
      }
    : {};
  const response = await as(t.app, users.investigator).post(
    `/api/v1/participants/${participantId}/adverse-events`,
    {
      entries: fields({ ...common, ...extra }),
    },
  );
  expect(response.statusCode, response.body).toBe(201);
}

describeEachDatabase('report by arm of a randomised study', (kind) => {
  let t: TestApp;
  let users: TrialUsers;
  let statistician: SignedIn;

  beforeAll(async () => {
    ({ t, users, statistician } = await randomisedStudy(kind, { protocol: rctProtocol, seed: 20261205 }));
    for (let index = 0; index < 9; index++) {
      const participantId = await enrolledOn(t, users, index % 2 === 0 ? 'severe' : 'critical');
      // Every other participant improves (discharged) on a day of their own; the rest stay in hospital.
      await dailyStatus(t, users, participantId, 3 + (index % 4), index % 2 === 0);
      if (index % 3 !== 1)
        await adverseEvent(t, users, participantId, index % 3 === 0, index < 5 ? 'possible' : 'unlikely');
    }
  }, 600_000);
  afterAll(async () => t?.close());

  it("gives the statistician results by arm equal to the analysis functions on the report's own rows", async () => {
    const response = await as(t.app, statistician).get('/api/v1/report?format=json');
    expect(response.statusCode, response.body).toBe(200);
    const report = response.json();
    const allocations = await t.database.read((db) =>
      db
        .selectFrom('randomisation_allocation')
        .select(['participant_id', 'arm', 'stratum'])
        .where('study_id', '=', t.studyId)
        .execute(),
    );
    expect(allocations).toHaveLength(9);
    const participantsOf = await t.database.read((db) =>
      db
        .selectFrom('participant')
        .select(['participant_id', 'study_number'])
        .where('study_id', '=', t.studyId)
        .execute(),
    );
    const allocationOf = new Map(
      participantsOf.map((row) => [
        row.study_number,
        allocations.find((allocation) => allocation.participant_id === row.participant_id),
      ]),
    );
    const rows = (
      report.efficacy.ttci.participants as Array<{ participant: string; time: number; event: 0 | 1 }>
    ).map((row) => ({
      time: row.time,
      event: row.event,
      arm: allocationOf.get(row.participant)?.arm as string,
      stratum: allocationOf.get(row.participant)?.stratum as string,
    }));
    expect(rows).toHaveLength(9);
    expect(rows.filter((row) => row.event === 1)).toHaveLength(5);
    const byArm = report.byArm;
    expect(byArm.visibility).toBe('shown');
    expect(byArm.arms.map((arm: { id: string }) => arm.id)).toEqual(['mscs-exo', 'placebo']);
    expect(byArm.reference).toBe('mscs-exo');
    const counts = byArm.arms.map((arm: { n: number }) => arm.n);
    expect(counts).toEqual(
      ['mscs-exo', 'placebo'].map((arm) => allocations.filter((row) => row.arm === arm).length),
    );
    // The seeded list gives both arms participants, so every comparison below has two groups.
    expect(counts.every((count: number) => count > 0)).toBe(true);
    const records = {
      time: rows.map((row) => row.time),
      event: rows.map((row) => row.event),
      group: rows.map((row) => row.arm),
    };
    const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value));
    expect(byArm.logRank).toEqual(roundTrip(logRank(records)));
    expect(byArm.cox).toEqual(roundTrip(coxProportionalHazards(records)));
    // Stratified as the allocation was: by site and severity (one site here, so two strata).
    const strata = rows.map((row) => row.stratum);
    expect(new Set(strata).size).toBe(2);
    expect(byArm.stratified.logRank).toEqual(roundTrip(logRank({ ...records, strata })));
    expect(byArm.stratified.cox).toEqual(roundTrip(coxProportionalHazards({ ...records, strata })));
    // And R on the same rows (R is required under CI=true; elsewhere it runs when Rscript is on PATH).
    if (hasRscript || process.env.CI === 'true') {
      const r = armsInR(rows, []);
      const comparison = new Comparison(1e-6);
      comparison.checkAll('survdiff obs', byArm.logRank.observed, r.survdiff.obs);
      comparison.checkAll('survdiff exp', byArm.logRank.expected, r.survdiff.exp);
      comparison.check('survdiff chisq', byArm.logRank.chisq, r.survdiff.chisq);
      comparison.check('survdiff p', byArm.logRank.pValue, r.survdiff.pValue);
      comparison.checkAll('coxph hazard ratio', byArm.cox.hazardRatio, r.cox.hr);
      comparison.checkAll('coxph lower', byArm.cox.lower, r.cox.lower);
      comparison.checkAll('coxph upper', byArm.cox.upper, r.cox.upper);
      comparison.checkAll('coxph Wald p', byArm.cox.pValue, r.cox.pValue);
      comparison.check('coxph score p', byArm.cox.score.pValue, r.cox.scorePValue);
      comparison.check(
        'stratified survdiff chisq',
        byArm.stratified.logRank.chisq,
        r.stratified.survdiff.chisq,
      );
      comparison.checkAll(
        'stratified coxph hazard ratio',
        byArm.stratified.cox.hazardRatio,
        r.stratified.cox.hr,
      );
      comparison.checkAll('stratified coxph lower', byArm.stratified.cox.lower, r.stratified.cox.lower);
      comparison.checkAll('stratified coxph upper', byArm.stratified.cox.upper, r.stratified.cox.upper);
      for (const arm of byArm.arms) {
        comparison.check(`${arm.id} median`, arm.ttci.median.median, r.km[arm.id]?.median ?? null);
      }
      expect(comparison.failures).toEqual([]);
      expect(comparison.count).toBe(17);
    }
    for (const arm of byArm.arms) {
      const fit = kaplanMeier(rows.filter((row) => row.arm === arm.id));
      expect(arm.ttci).toEqual(
        roundTrip({ n: fit.n, events: fit.events, median: fit.median, rows: fit.rows }),
      );
    }
    // Adverse events per arm: the stored events of each arm's participants, and their differences.
    const events = await t.database.read((db) =>
      db.selectFrom('adverse_event').select('participant_id').where('study_id', '=', t.studyId).execute(),
    );
    const withEvent = new Set(events.map((row) => row.participant_id));
    const [reference, other] = byArm.arms;
    for (const arm of byArm.arms) {
      const members = allocations.filter((row) => row.arm === arm.id);
      expect(arm.adverseEvents.participantsWithAnyEvent).toMatchObject({
        participants: members.filter((row) => withEvent.has(row.participant_id)).length,
        denominator: members.length,
      });
    }
    const any = byArm.riskDifferences.find(
      (row: { category: string }) => row.category === 'participantsWithAnyEvent',
    );
    const expected = newcombeDifference(
      other.adverseEvents.participantsWithAnyEvent.participants,
      other.n,
      reference.adverseEvents.participantsWithAnyEvent.participants,
      reference.n,
    );
    expect(any).toEqual({ category: 'participantsWithAnyEvent', arm: 'placebo', ...expected });
    expect(byArm.riskDifferences).toHaveLength(4);

    const html = await as(t.app, statistician).get('/api/v1/report?format=html');
    expect(html.body).toContain('7. Results by arm');
    expect(html.body).toContain('data-label="Placebo (nebulised saline)"');
  });

  it('gives a blinded data manager pooled results and the notice, naming no arm', async () => {
    const json = await as(t.app, users.dataManager).get('/api/v1/report?format=json');
    const html = await as(t.app, users.dataManager).get('/api/v1/report?format=html');
    expect(json.statusCode, json.body).toBe(200);
    expect(html.statusCode).toBe(200);
    expect(json.json().byArm).toEqual({
      visibility: 'blinded',
      notice: expect.stringContaining('results by arm are shown only to unblinded roles'),
    });
    expect(html.body).toContain('results by arm are shown only to unblinded roles');
    expect(json.json().safety.participantsWithAnyEvent.participants).toBe(6);
    // The study's title says "placebo-controlled" (安慰剂对照): the design is public, the arms are not.
    for (const body of [json.body, html.body]) {
      expect(body).not.toMatch(
        /mscs-exo|"placebo"|Placebo \(nebulised saline\)|MSCs-Exo aerosol inhalation|安慰剂（雾化吸入生理盐水）|间充质干细胞外泌体雾化吸入组|Hazard ratio|logRank/,
      );
    }
  });
});
