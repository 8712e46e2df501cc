import { cumulativeIncidenceSvg } from '../analysis/cif-plot.ts';
import { consortSvg } from '../analysis/consort-diagram.ts';
import type { KaplanMeierFit } from '../analysis/kaplan-meier.ts';
import { kaplanMeierSvg } from '../analysis/km-plot.ts';
import { type OrdinalDay, ordinalBarsSvg } from '../analysis/ordinal-bars-plot.ts';
import { type SwimmerLane, swimmerSvg } from '../analysis/swimmer-plot.ts';
import { type TrajectorySeries, trajectorySvg } from '../analysis/trajectory-plot.ts';
import { medianIqr } from '../outcomes/secondary.ts';
import {
  type OutcomeRecord,
  type ParticipantSource,
  recordDateItem,
  recordStudyDay,
  studyDay,
  visitDays,
  visitIdOf,
} from '../outcomes/source.ts';
import type { Protocol } from '../protocol/schema.ts';
import { aeFormId } from '../safety/ae-summary.ts';
import type { ReportModel } from './report.model.ts';

// The report's figures as SVG strings, built from the report model by the pure plot builders.

/** Most lanes a swimmer plot shows; a larger trial shows its first participants by study number. */
export const SWIMMER_LANES = 60;

export function consortFigure(model: ReportModel): string {
  const { consort } = model;
  const reasons = Object.entries(model.failedByCriterion)
    .sort((a, b) => b[1] - a[1])
    .map(([criterion, count]) => `${criterion}: ${count}`);
  return consortSvg({
    main: [
      { heading: 'Assessed for eligibility', count: consort.screened },
      { heading: 'Enrolled and given study day 1', count: consort.enrolled },
      {
        heading: 'Follow-up',
        count: consort.enrolled,
        details: [
          `Completed: ${consort.completed}`,
          `Ongoing at the data cut: ${consort.ongoing}`,
          `Died: ${consort.died}`,
          `Withdrawn: ${consort.withdrawn}`,
          `Lost to follow-up: ${consort.lostToFollowUp}`,
        ],
      },
      { heading: 'Analysed for TTCI', count: consort.analysed },
    ],
    side: [
      {
        after: 0,
        box: {
          heading: 'Not enrolled',
          count: consort.screenFailed + consort.declined + consort.inScreening,
          details: [
            `Did not meet criteria: ${consort.screenFailed}`,
            ...reasons.slice(0, 6).map((reason) => `  ${reason}`),
            `Declined: ${consort.declined}`,
            `Still in screening: ${consort.inScreening}`,
          ],
        },
      },
      {
        after: 2,
        box: {
          heading: 'Excluded from TTCI',
          count: consort.excludedFromTtci,
          details: ['No baseline ordinal category'],
        },
      },
    ],
  });
}

export function ttciFigures(
  model: ReportModel,
  protocol: Protocol,
): { km: string | null; cif: string | null } {
  const ttci = model.efficacy.ttci;
  if (!ttci?.fit) return { km: null, cif: null };
  const horizon = protocol.outcomes.ttci?.horizonDays ?? 28;
  const km = kaplanMeierSvg([{ label: 'All participants', fit: ttci.fit }], {
    title: 'Time to clinical improvement: proportion not yet improved',
    xLabel: 'Study day',
    yLabel: 'Not yet improved',
    xMax: horizon,
    riskTimes: [0, 7, 14, 21, 28],
  });
  const cif = ttci.competing
    ? cumulativeIncidenceSvg([{ label: 'All participants', fit: ttci.competing }], {
        title: 'Cumulative incidence of improvement, death as a competing event',
        xLabel: 'Study day',
        xMax: horizon,
      })
    : null;
  return { km, cif };
}

export function ordinalFigure(model: ReportModel, protocol: Protocol): string | null {
  const scale = protocol.outcomes.ordinalScale;
  const ttci = model.efficacy.ttci;
  if (!scale || !ttci) return null;
  const size = scale.categories.length;
  const horizon = protocol.outcomes.ttci?.horizonDays ?? 28;
  const days: OrdinalDay[] = [];
  const baseline = new Array<number>(size).fill(0);
  let baselineMissing = 0;
  for (const participant of ttci.participants) {
    if (participant.baseline === null) baselineMissing++;
    else baseline[participant.baseline - 1] = (baseline[participant.baseline - 1] ?? 0) + 1;
  }
  days.push({ day: 0, counts: baseline, missing: baselineMissing });
  for (let day = 1; day <= horizon; day++) {
    const counts = new Array<number>(size).fill(0);
    let missing = 0;
    for (const participant of ttci.participants) {
      const status = participant.days[day - 1];
      if (!status) continue;
      // After discharge a participant is out of hospital follow-up: not counted, not missing.
      if (status.category === null) {
        if (participant.dischargeDay !== null && day > participant.dischargeDay) continue;
        if (day > participant.followedTo && status.source !== 'death') continue;
        missing++;
      } else counts[status.category - 1] = (counts[status.category - 1] ?? 0) + 1;
    }
    days.push({ day, counts, missing });
  }
  return ordinalBarsSvg(days, {
    categoryLabels: scale.categories.map((category) => category.label.en),
    title: `${scale.name.en} by study day (day 0 = baseline)`,
    missingLabel: 'No status recorded',
  });
}

export function swimmerFigure(model: ReportModel, protocol: Protocol): string | null {
  const scale = protocol.outcomes.ordinalScale;
  const ttci = model.efficacy.ttci;
  if (!scale || !ttci) return null;
  const sources = new Map(model.sources.map((participant) => [participant.participantId, participant]));
  const ae = protocol.forms.find((form) => form.id === aeFormId(protocol));
  const serious = ae?.items.find((item) => item.sdtm?.variable === 'AESER');
  const aeDate = ae ? recordDateItem(protocol, ae.id) : undefined;
  const visits = visitDays(protocol);
  const lanes: SwimmerLane[] = ttci.participants.slice(0, SWIMMER_LANES).map((participant) => {
    const source = sources.get(participant.participantId);
    const doses = (source?.doses ?? [])
      .filter((dose) => dose.status !== 'not-given')
      .map((dose) =>
        source?.day1Date && dose.startedLocal
          ? studyDay(source.day1Date, dose.startedLocal)
          : (visits.get(dose.visitId)?.day ?? 0),
      )
      .filter((day) => day >= 1);
    const events: SwimmerLane['events'][number][] = [];
    if (participant.analysis?.reason === 'improved')
      events.push({ day: participant.analysis.time, kind: 'improved' });
    if (participant.dischargeDay !== null) events.push({ day: participant.dischargeDay, kind: 'discharged' });
    if (participant.deathDay !== null && participant.deathDay <= 28)
      events.push({ day: participant.deathDay, kind: 'died' });
    for (const event of source?.adverseEvents ?? []) {
      if (!ae || !serious || event.values[`${ae.id}.${serious.id}`] !== true) continue;
      const date = aeDate === undefined ? undefined : event.values[aeDate];
      const day =
        source?.day1Date && typeof date === 'string' && /^\d{4}-\d{2}-\d{2}/.test(date)
          ? studyDay(source.day1Date, date)
          : null;
      if (day !== null && day >= 1) events.push({ day, kind: 'serious-event' });
    }
    const days = participant.days.filter(
      (status) =>
        status.category !== null ||
        (status.day <= participant.followedTo &&
          (participant.dischargeDay === null || status.day <= participant.dischargeDay)),
    );
    return { label: participant.label, days, doses, events };
  });
  const shown =
    lanes.length < ttci.participants.length ? ` (first ${lanes.length} of ${ttci.participants.length})` : '';
  return swimmerSvg(lanes, {
    categoryLabels: scale.categories.map((category) => category.label.en),
    lastDay: protocol.outcomes.ttci?.horizonDays ?? 28,
    title: `Participants day by day${shown}`,
  });
}

/** Each dosed participant's records of one form (the lab figures read a few forms of many records). */
type RecordsOfForm = { participant: ParticipantSource; records: OutcomeRecord[] }[];

function recordsOfForm(model: ReportModel, formId: string): RecordsOfForm {
  const found: RecordsOfForm = [];
  for (const participant of model.sources) {
    if (participant.day1Date === null) continue;
    const records = participant.records.filter((record) => record.formId === formId);
    if (records.length) found.push({ participant, records });
  }
  return found;
}

/** Median (IQR) of a lab item by nominal study day, for improvers and the others, from TTCI. */
export function labTrajectory(
  model: ReportModel,
  protocol: Protocol,
  item: string,
  ofForm?: RecordsOfForm,
): TrajectorySeries[] {
  const [formId = '', itemId = ''] = item.split('.');
  const key = `${formId}.${itemId}`;
  const visits = visitDays(protocol);
  const dateItem = recordDateItem(protocol, formId);
  const improved = new Set(
    (model.efficacy.ttci?.participants ?? [])
      .filter((participant) => participant.analysis?.event === 1)
      .map((participant) => participant.participantId),
  );
  const groups = new Map<string, Map<number, number[]>>([
    ['Improved by day 28', new Map()],
    ['Not improved (incl. deaths)', new Map()],
  ]);
  for (const { participant, records } of ofForm ?? recordsOfForm(model, formId)) {
    const group = groups.get(
      improved.has(participant.participantId) ? 'Improved by day 28' : 'Not improved (incl. deaths)',
    );
    for (const record of records) {
      const value = record.values[key];
      if (typeof value !== 'number') continue;
      const nominal =
        visits.get(visitIdOf(record.visitKey))?.day ??
        recordStudyDay(record, participant.day1Date, visits, dateItem);
      if (nominal === null || nominal === undefined) continue;
      const list = group?.get(nominal) ?? [];
      list.push(value);
      group?.set(nominal, list);
    }
  }
  return [...groups.entries()].map(([label, byDay]) => ({
    label,
    points: [...byDay.entries()]
      .filter(([, values]) => values.length > 0)
      .map(([day, values]) => {
        const summary = medianIqr(values);
        return { day, n: summary.n, median: summary.median, q1: summary.q1, q3: summary.q3 };
      }),
  }));
}

export function labFigures(model: ReportModel, protocol: Protocol): { item: string; svg: string }[] {
  // Several items of one laboratory form share one pass over the participants' records.
  const byForm = new Map<string, RecordsOfForm>();
  return model.efficacy.outcomes
    .filter((outcome) => outcome.measure === 'change-from-baseline')
    .filter(
      (outcome) => protocol.forms.find((form) => form.id === outcome.item.split('.')[0])?.sdtmDomain === 'LB',
    )
    .map((outcome) => {
      const formId = outcome.item.split('.')[0] ?? '';
      let ofForm = byForm.get(formId);
      if (!ofForm) {
        ofForm = recordsOfForm(model, formId);
        byForm.set(formId, ofForm);
      }
      return { item: outcome.item, ofForm, outcome };
    })
    .map(({ item, ofForm, outcome }) => ({
      item,
      svg: trajectorySvg(labTrajectory(model, protocol, item, ofForm), {
        title: outcome.title.en,
        yLabel: outcome.measure === 'change-from-baseline' && outcome.unit ? outcome.unit : '',
      }),
    }));
}

/** A time-to-event outcome's own KM plot (e.g. viral clearance), proportion still without the event. */
export function timeToEventFigure(title: string, fit: KaplanMeierFit | null, horizon: number): string | null {
  return fit
    ? kaplanMeierSvg([{ label: 'All participants', fit }], { title, xLabel: 'Study day', xMax: horizon })
    : null;
}
