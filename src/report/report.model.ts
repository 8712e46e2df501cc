import type { AalenJohansenFit } from '../analysis/competing-risks.ts';
import type { MedianIqr } from '../analysis/descriptive.ts';
import { type IncidenceRow, incidenceTable } from '../analysis/incidence.ts';
import type { KaplanMeierFit } from '../analysis/kaplan-meier.ts';
import { bySocAndTerm, type SocGroup } from '../coding/soc-pt.ts';
import { type AnalyseOptions, analyseOutcomes, type TrialOutcomes } from '../outcomes/analyse.ts';
import type { OutcomeResult } from '../outcomes/secondary.ts';
import { medianIqr } from '../outcomes/secondary.ts';
import { type ParticipantSource, studyDay, visitIdOf } from '../outcomes/source.ts';
import type { LocalizedText, Protocol } from '../protocol/schema.ts';
import { type UnplacedValue, unplacedText } from '../protocol/version-union.ts';
import { aeFormId } from '../safety/ae-summary.ts';
import { type CausalityMapping, causalityMapping } from '../safety/causality.ts';
import { type ArmAllocations, type ArmsSection, armsSection, serialiseArms } from './report.arms.ts';
import type { DeviationCount } from './report.deviations.ts';

// The report model: every number of the trial report, computed from source rows by the pure
// functions of src/outcomes and src/analysis. The HTML, PDF and JSON renderings all read this one
// object, so the three formats cannot disagree.

export interface ReportStamp {
  /** When the data were read (ISO 8601, UTC): the data cut every table is based on. */
  dataCut: string;
  protocolVersion: string;
  protocolVersionNo: number;
}

export interface Consort {
  screened: number;
  inScreening: number;
  screenFailed: number;
  declined: number;
  enrolled: number;
  ongoing: number;
  completed: number;
  withdrawn: number;
  lostToFollowUp: number;
  died: number;
  analysed: number;
  excludedFromTtci: number;
}

export interface BaselineRow {
  label: LocalizedText;
  unit: string | null;
  kind: 'numeric' | 'categorical';
  summary?: MedianIqr;
  counts?: { code: string; label: LocalizedText; count: number }[];
  missing: number;
}

export interface DosingRow {
  visitId: string;
  name: LocalizedText;
  /** Completed plus interrupted. */
  given: number;
  completed: number;
  interrupted: number;
  notGiven: number;
  notRecorded: number;
}

export interface SeriousEvent {
  participant: string;
  term: string;
  onsetDay: number | null;
  grade: number | null;
  causality: string | null;
  outcome: string | null;
}

export interface SafetyTables {
  participantsWithAnyEvent: IncidenceRow;
  byTerm: IncidenceRow[];
  /** By MedDRA preferred term within system organ class, the uncoded events last. */
  bySocAndTerm: SocGroup[];
  byGrade: IncidenceRow[];
  related: IncidenceRow;
  serious: IncidenceRow;
  seriousRelated: IncidenceRow;
  seriousListing: SeriousEvent[];
  events: number;
  /** The protocol's causality scale as read for reporting: related in these tables, possibly related for SUSARs. */
  causality: { scale: string; categories: CausalityMapping[] };
}

export interface SerialisedFit {
  n: number;
  events: number;
  median: KaplanMeierFit['median'];
  rows: KaplanMeierFit['rows'];
}

export interface ReportModel extends ReportStamp {
  study: {
    shortTitle: string;
    title: LocalizedText;
    registryId: string;
    phase: string;
    plannedEnrolment: number;
  };
  consort: Consort;
  /** Confirmed protocol deviations by category; null when the report was built without the log. */
  deviations: DeviationCount[] | null;
  failedByCriterion: Record<string, number>;
  baseline: BaselineRow[];
  dosing: { doses: DosingRow[]; allDoses: number; enrolled: number };
  safety: SafetyTables | null;
  efficacy: TrialOutcomes;
  /** Results by arm of a randomised study (or the notice that blinds them); null when not randomised. */
  byArm: ArmsSection | null;
  sources: readonly ParticipantSource[];
  /** Saved values that no protocol version defines, so no table can place them (named, not dropped). */
  unplacedValues: string[];
}

const ENDED = ['enrolled', 'withdrawn', 'lost_to_follow_up', 'died', 'completed'];

export function consortOf(sources: readonly ParticipantSource[], outcomes: TrialOutcomes): Consort {
  const count = (status: string) => sources.filter((participant) => participant.status === status).length;
  const excluded =
    outcomes.ttci?.participants.filter((participant) => participant.analysis === null).length ?? 0;
  const enrolled = sources.filter((participant) => ENDED.includes(participant.status)).length;
  return {
    screened: sources.length,
    inScreening: count('screening'),
    screenFailed: count('screen_failed'),
    declined: count('declined'),
    enrolled,
    ongoing: count('enrolled'),
    completed: count('completed'),
    withdrawn: count('withdrawn'),
    lostToFollowUp: count('lost_to_follow_up'),
    died: count('died'),
    analysed: (outcomes.ttci?.participants.length ?? enrolled) - excluded,
    excludedFromTtci: excluded,
  };
}

/** First-instance values of a form at a visit, per participant. */
function valuesAt(participant: ParticipantSource, formId: string, visitId?: string) {
  return participant.records.find(
    (record) =>
      record.formId === formId &&
      record.instance === 1 &&
      (visitId === undefined || visitIdOf(record.visitKey) === visitId),
  )?.values;
}

/**
 * Baseline characteristics of the enrolled: every item of the demographics form (SDTM DM) and the
 * laboratory forms (SDTM LB) at the baseline visit, numeric as median (IQR), choices as counts, and
 * the baseline ordinal category.
 */
export function baselineTable(
  protocol: Protocol,
  enrolled: readonly ParticipantSource[],
  outcomes: TrialOutcomes,
) {
  const baselineVisit = protocol.outcomes.ttci?.baselineVisit ?? protocol.schedule.visits[0]?.id ?? '';
  const rows: BaselineRow[] = [];
  const forms = protocol.forms.filter((form) => form.sdtmDomain === 'DM' || form.sdtmDomain === 'LB');
  const visitForms = new Set(
    protocol.schedule.visits.find((visit) => visit.id === baselineVisit)?.forms ?? [],
  );
  for (const form of forms) {
    if (form.sdtmDomain === 'LB' && !visitForms.has(form.id)) continue;
    // Each participant's record of the form, found once for all of its items.
    const records = enrolled.map((participant) =>
      valuesAt(participant, form.id, form.sdtmDomain === 'DM' ? undefined : baselineVisit),
    );
    for (const item of form.items) {
      const key = `${form.id}.${item.id}`;
      const values = records.map((values) => values?.[key]);
      const present = values.filter((value) => value !== null && value !== undefined);
      if (item.type === 'integer' || item.type === 'decimal') {
        const numbers = present.filter((value): value is number => typeof value === 'number');
        if (numbers.length === 0) continue;
        rows.push({
          label: item.label,
          unit: item.unit ?? null,
          kind: 'numeric',
          summary: medianIqr(numbers),
          missing: enrolled.length - numbers.length,
        });
      } else if (item.type === 'choice' && item.codeList) {
        const list = protocol.codeLists.find((candidate) => candidate.id === item.codeList);
        if (!list || present.length === 0) continue;
        rows.push({
          label: item.label,
          unit: null,
          kind: 'categorical',
          counts: list.items.map((code) => ({
            code: String(code.code),
            label: code.label,
            count: present.filter((value) => value === code.code).length,
          })),
          missing: enrolled.length - present.length,
        });
      }
    }
  }
  const scale = protocol.outcomes.ordinalScale;
  if (scale && outcomes.ttci) {
    const baselines = outcomes.ttci.participants.map((participant) => participant.baseline);
    rows.push({
      label: { en: `Baseline category, ${scale.name.en}`, zh: `基线分级（${scale.name.zh}）` },
      unit: null,
      kind: 'categorical',
      counts: scale.categories.map((category) => ({
        code: String(category.value),
        label: category.label,
        count: baselines.filter((value) => value === category.value).length,
      })),
      missing: baselines.filter((value) => value === null).length,
    });
  }
  return rows;
}

function itemBySdtm(protocol: Protocol, formId: string, variable: string): string | undefined {
  const item = protocol.forms
    .find((form) => form.id === formId)
    ?.items.find((candidate) => candidate.sdtm?.variable === variable);
  return item ? `${formId}.${item.id}` : undefined;
}

/** Doses given per dose visit, as the dosing module recorded them, and participants given every dose. */
export function dosingTable(protocol: Protocol, enrolled: readonly ParticipantSource[]) {
  const visits = protocol.regimen.doseVisits;
  const given = new Map<string, number>();
  const doses: DosingRow[] = visits.map((visitId) => {
    const visit = protocol.schedule.visits.find((candidate) => candidate.id === visitId);
    let completed = 0;
    let interrupted = 0;
    let notGiven = 0;
    for (const participant of enrolled) {
      const dose = participant.doses?.find((candidate) => candidate.visitId === visitId);
      if (!dose) continue;
      if (dose.status === 'not-given') {
        notGiven++;
        continue;
      }
      if (dose.status === 'completed') completed++;
      else interrupted++;
      given.set(participant.participantId, (given.get(participant.participantId) ?? 0) + 1);
    }
    return {
      visitId,
      name: visit?.name ?? { en: visitId, zh: visitId },
      given: completed + interrupted,
      completed,
      interrupted,
      notGiven,
      notRecorded: enrolled.length - completed - interrupted - notGiven,
    };
  });
  const allDoses = [...given.values()].filter((count) => count === visits.length).length;
  return { doses, allDoses, enrolled: enrolled.length };
}

/**
 * Adverse events as the safety module recorded them (the protocol's adverse-event form, SDTM AE):
 * participants with at least one event overall, by term, by worst grade, related (causality
 * categories marked related), serious and serious related, each with Clopper–Pearson limits; and the
 * listing of serious events.
 */
export function safetyTables(
  protocol: Protocol,
  enrolled: readonly ParticipantSource[],
): SafetyTables | null {
  const form = protocol.forms.find((candidate) => candidate.id === aeFormId(protocol));
  if (!form || enrolled.length === 0) return null;
  const item = (variable: string) => itemBySdtm(protocol, form.id, variable) ?? '';
  const [term, grade, serious, causality, onset, outcome] = [
    'AETERM',
    'AETOXGR',
    'AESER',
    'AEREL',
    'AESTDTC',
    'AEOUT',
  ].map(item) as [string, string, string, string, string, string];
  const mapping = causalityMapping(protocol);
  const related = new Set(mapping.filter((category) => category.related).map((category) => category.id));
  const byTerm = new Map<string, Set<string>>();
  const worstGrade = new Map<string, number>();
  const sets = {
    any: new Set<string>(),
    related: new Set<string>(),
    serious: new Set<string>(),
    seriousRelated: new Set<string>(),
  };
  const listing: SeriousEvent[] = [];
  const codedEvents: Array<{
    participantId: string;
    verbatim: string;
    coded: { pt: string; soc: string } | null;
  }> = [];
  let events = 0;
  for (const participant of enrolled) {
    for (const event of participant.adverseEvents ?? []) {
      const values = event.values;
      events++;
      const id = participant.participantId;
      sets.any.add(id);
      const name = typeof values[term] === 'string' ? String(values[term]).trim() : '';
      const key = name ? name.toLowerCase() : '(term not recorded)';
      codedEvents.push({ participantId: id, verbatim: name, coded: event.coded ?? null });
      const members = byTerm.get(key) ?? new Set<string>();
      members.add(id);
      byTerm.set(key, members);
      const gradeValue = typeof values[grade] === 'number' ? (values[grade] as number) : null;
      if (gradeValue !== null) worstGrade.set(id, Math.max(worstGrade.get(id) ?? 0, gradeValue));
      const isRelated = related.has(String(values[causality] ?? ''));
      if (isRelated) sets.related.add(id);
      if (values[serious] === true) {
        sets.serious.add(id);
        if (isRelated) sets.seriousRelated.add(id);
        const onsetValue = values[onset];
        listing.push({
          participant: participant.label,
          term: name || key,
          onsetDay:
            participant.day1Date && typeof onsetValue === 'string'
              ? studyDay(participant.day1Date, onsetValue)
              : null,
          grade: gradeValue,
          causality:
            values[causality] === null || values[causality] === undefined ? null : String(values[causality]),
          outcome: values[outcome] === null || values[outcome] === undefined ? null : String(values[outcome]),
        });
      }
    }
  }
  const denominator = enrolled.length;
  const one = (category: string, participants: number) =>
    incidenceTable([{ category, participants }], { denominator })[0] as IncidenceRow;
  const terms = [...byTerm.entries()].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1));
  return {
    participantsWithAnyEvent: one('any', sets.any.size),
    byTerm: incidenceTable(
      terms.map(([category, members]) => ({ category, participants: members.size })),
      { denominator },
    ),
    bySocAndTerm: bySocAndTerm(codedEvents, denominator),
    byGrade: incidenceTable(
      [1, 2, 3, 4, 5].map((value) => ({
        category: String(value),
        participants: [...worstGrade.values()].filter((worst) => worst === value).length,
      })),
      { denominator },
    ),
    related: one('related', sets.related.size),
    serious: one('serious', sets.serious.size),
    seriousRelated: one('serious-related', sets.seriousRelated.size),
    seriousListing: listing.sort((a, b) =>
      a.participant < b.participant
        ? -1
        : a.participant > b.participant
          ? 1
          : (a.onsetDay ?? 0) - (b.onsetDay ?? 0),
    ),
    events,
    causality: { scale: protocol.safety.causality.scale, categories: mapping },
  };
}

export interface BuildReportInput extends ReportStamp {
  protocol: Protocol;
  sources: readonly ParticipantSource[];
  /** The confirmed deviations by category (report.deviations.ts), read in the same data cut. */
  deviations?: DeviationCount[];
  options?: AnalyseOptions;
  /** The arms the reader may see, for a randomised study; absent when the study is not randomised. */
  arms?: ArmAllocations;
  /** Saved values no protocol version defines (`unplacedValuesOfStudy`): the report names them. */
  unplacedValues?: readonly UnplacedValue[];
}

/** The whole report from the protocol and the source rows, as of the data cut. */
export function buildReportModel(input: BuildReportInput): ReportModel {
  const { protocol, sources } = input;
  const efficacy = analyseOutcomes(protocol, sources, input.dataCut.slice(0, 10), input.options);
  const enrolled = sources.filter((participant) => participant.day1Date !== null);
  const failedByCriterion: Record<string, number> = {};
  for (const participant of sources)
    for (const criterion of participant.failedCriteria ?? [])
      failedByCriterion[criterion] = (failedByCriterion[criterion] ?? 0) + 1;
  return {
    dataCut: input.dataCut,
    protocolVersion: input.protocolVersion,
    protocolVersionNo: input.protocolVersionNo,
    study: {
      shortTitle: protocol.study.shortTitle,
      title: protocol.study.title,
      registryId: protocol.study.registryId,
      phase: protocol.study.phase,
      plannedEnrolment: protocol.study.plannedEnrolment,
    },
    consort: consortOf(sources, efficacy),
    deviations: input.deviations ?? null,
    failedByCriterion,
    baseline: baselineTable(protocol, enrolled, efficacy),
    dosing: dosingTable(protocol, enrolled),
    safety: safetyTables(protocol, enrolled),
    efficacy,
    byArm: input.arms ? armsSection(protocol, enrolled, efficacy, input.arms) : null,
    sources,
    unplacedValues: (input.unplacedValues ?? []).map(unplacedText),
  };
}

export function serialiseFit(fit: KaplanMeierFit | null): SerialisedFit | null {
  return fit ? { n: fit.n, events: fit.events, median: fit.median, rows: fit.rows } : null;
}

function serialiseOutcome(outcome: OutcomeResult) {
  if (outcome.measure === 'time-to-event') return { ...outcome, fit: serialiseFit(outcome.fit) };
  if (outcome.measure === 'days-with-condition') {
    const { perParticipant: _perParticipant, ...rest } = outcome;
    return rest;
  }
  return outcome;
}

/** The report as JSON: numbers only (no plots, no per-day participant rows), with its stamp. */
export function reportJson(model: ReportModel) {
  const { ttci, mortality, outcomes, cutDate } = model.efficacy;
  const competing = (fit: AalenJohansenFit | null) =>
    fit
      ? {
          n: fit.n,
          rows: fit.rows.map((row) => ({
            time: row.time,
            nRisk: row.nRisk,
            improvement: row.event,
            death: row.competing,
          })),
        }
      : null;
  return {
    dataCut: model.dataCut,
    protocolVersion: model.protocolVersion,
    study: model.study,
    consort: model.consort,
    deviations: model.deviations,
    failedByCriterion: model.failedByCriterion,
    baseline: model.baseline,
    dosing: model.dosing,
    safety: model.safety,
    efficacy: {
      cutDate,
      ttci: ttci
        ? {
            kaplanMeier: serialiseFit(ttci.fit),
            competingRisk: competing(ttci.competing),
            excluded: ttci.excluded,
            participants: ttci.participants.map((participant) => ({
              participant: participant.label,
              baseline: participant.baseline,
              ...participant.analysis,
              exclusion: participant.exclusion,
            })),
          }
        : null,
      mortality,
      outcomes: outcomes.map(serialiseOutcome),
    },
    // Only a randomised study has the key, so the report of a single-arm study is unchanged.
    ...(model.byArm ? { byArm: serialiseArms(model.byArm) } : {}),
    // Only when some saved value has no place in any protocol version.
    ...(model.unplacedValues.length ? { unplacedValues: model.unplacedValues } : {}),
  };
}
