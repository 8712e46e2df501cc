import { type CoxFit, CoxModelError, coxProportionalHazards } from '../analysis/cox.ts';
import type { IncidenceRow } from '../analysis/incidence.ts';
import { type KaplanMeierFit, kaplanMeier } from '../analysis/kaplan-meier.ts';
import { codePointOrder, type LogRankResult, logRank } from '../analysis/logrank.ts';
import { newcombeDifference, type RiskDifference } from '../analysis/risk-difference.ts';
import type { TrialOutcomes } from '../outcomes/analyse.ts';
import type { ParticipantSource } from '../outcomes/source.ts';
import type { LocalizedText, Protocol } from '../protocol/schema.ts';
import { type SafetyTables, safetyTables } from './report.model.ts';

// Results by arm of a randomised study: time to clinical improvement per arm (Kaplan–Meier), the
// log-rank test and the Cox model between arms, and adverse-event rates per arm with their risk
// differences. Built only for callers who may see arms; the model of everyone else holds the notice
// that such results exist and no arm at all.

/**
 * The arm of each allocated participant as the caller may see it (nothing for a blinded caller), and
 * the randomisation stratum each was allocated in, for the analyses stratified as the allocation was.
 */
export type ArmAllocations =
  | { visible: false }
  | { visible: true; armOf: ReadonlyMap<string, string>; stratumOf?: ReadonlyMap<string, string> };

/** The adverse-event categories compared between arms: the overview rows of the safety tables. */
export const AE_CATEGORIES = ['participantsWithAnyEvent', 'related', 'serious', 'seriousRelated'] as const;
export type AeCategory = (typeof AE_CATEGORIES)[number];

export interface ArmResult {
  id: string;
  name: LocalizedText;
  /** Enrolled participants allocated to the arm. */
  n: number;
  /** Kaplan–Meier of time to clinical improvement of the arm's analysed participants. */
  ttci: KaplanMeierFit | null;
  adverseEvents: Record<AeCategory, IncidenceRow> | null;
}

export interface ArmRiskDifference extends RiskDifference {
  category: AeCategory;
  /** The arm compared; the difference is its rate minus the reference arm's. */
  arm: string;
}

export interface ArmsShown {
  visibility: 'shown';
  /** Arms in code-point order of their ids, as R orders a factor's levels. */
  arms: ArmResult[];
  /** The reference arm of the Cox model and the risk differences: the first arm in that order. */
  reference: string;
  /** Enrolled participants without an allocation (not analysed by arm). */
  unallocated: number;
  logRank: LogRankResult | null;
  cox: CoxFit | null;
  /** Why there is no Cox model, when there is none. */
  coxUnavailable: CoxUnavailable | null;
  /** The same tests stratified by randomisation stratum (R: `+ strata(stratum)`); null without strata. */
  stratified: ArmComparison | null;
  riskDifferences: ArmRiskDifference[];
}

export interface ArmComparison {
  logRank: LogRankResult | null;
  cox: CoxFit | null;
  coxUnavailable: CoxUnavailable | null;
}

export type ArmsSection = { visibility: 'blinded' } | ArmsShown;

/** What a blinded reader is told in place of the results by arm. */
export const BLINDED_NOTICE: LocalizedText = {
  en: 'This study is randomised and blinded: results by arm are shown only to unblinded roles. The results in this report are pooled over all participants.',
  zh: '本研究为随机、盲法研究：分组结果仅向非盲角色显示。本报告中的结果为全部受试者的合并结果。',
};

function armName(protocol: Protocol, id: string): LocalizedText {
  return protocol.study.design.arms.find((arm) => arm.id === id)?.name ?? { en: id, zh: id };
}

function survivalRecords(outcomes: TrialOutcomes, armOf: ReadonlyMap<string, string>) {
  const rows = (outcomes.ttci?.participants ?? []).flatMap((participant) => {
    const arm = armOf.get(participant.participantId);
    return participant.analysis && arm !== undefined
      ? [
          {
            id: participant.participantId,
            time: participant.analysis.time,
            event: participant.analysis.event,
            arm,
          },
        ]
      : [];
  });
  return {
    participantIds: rows.map((row) => row.id),
    time: rows.map((row) => row.time),
    event: rows.map((row) => row.event),
    group: rows.map((row) => row.arm),
  };
}

type ArmRecords = ReturnType<typeof survivalRecords> & { strata?: string[] };

function adverseEvents(safety: SafetyTables | null): Record<AeCategory, IncidenceRow> | null {
  if (!safety) return null;
  return Object.fromEntries(AE_CATEGORIES.map((category) => [category, safety[category]])) as Record<
    AeCategory,
    IncidenceRow
  >;
}

/** Why a report has no Cox model between arms. */
export type CoxUnavailable =
  | 'fewer-than-two-arms'
  | 'reference-arm-empty'
  | 'no-events'
  | 'arm-without-events'
  | 'not-converged';

function coxBetweenArms(
  records: ArmRecords,
  reference: string,
): { cox: CoxFit | null; coxUnavailable: CoxUnavailable | null } {
  const arms = new Set(records.group);
  if (arms.size < 2) return { cox: null, coxUnavailable: 'fewer-than-two-arms' };
  if (!arms.has(reference)) return { cox: null, coxUnavailable: 'reference-arm-empty' };
  const withEvents = new Set(records.group.filter((_, index) => records.event[index] === 1));
  if (withEvents.size === 0) return { cox: null, coxUnavailable: 'no-events' };
  // An arm without events has an infinite log hazard ratio (R's coxph warns and prints nonsense).
  if (withEvents.size < arms.size) return { cox: null, coxUnavailable: 'arm-without-events' };
  try {
    const cox = coxProportionalHazards(records, { reference });
    return cox.converged ? { cox, coxUnavailable: null } : { cox: null, coxUnavailable: 'not-converged' };
  } catch (error) {
    if (error instanceof CoxModelError) return { cox: null, coxUnavailable: 'not-converged' };
    throw error;
  }
}

function compareArms(records: ArmRecords, reference: string): ArmComparison {
  return {
    logRank: new Set(records.group).size >= 2 ? logRank(records) : null,
    ...coxBetweenArms(records, reference),
  };
}

/** Each arm's adverse-event rates minus the reference arm's (the first), Newcombe intervals. */
function riskDifferencesOf(arms: readonly ArmResult[]): ArmRiskDifference[] {
  const base = arms[0]?.adverseEvents;
  if (!base) return [];
  return arms.slice(1).flatMap((arm) => {
    const own = arm.adverseEvents;
    if (!own) return [];
    return AE_CATEGORIES.map((category) => ({
      category,
      arm: arm.id,
      ...newcombeDifference(
        own[category].participants,
        own[category].denominator,
        base[category].participants,
        base[category].denominator,
      ),
    }));
  });
}

/**
 * The by-arm section: per arm its enrolled N, the Kaplan–Meier fit of TTCI (R: `survfit(Surv(t, e)
 * ~ arm)`), the log-rank test (`survdiff`) and the Cox model with Efron ties (`coxph`), both also
 * stratified by randomisation stratum when the strata are given (`+ strata(stratum)`), whose
 * reference is the first arm in code-point order of the arm ids, as R's default factor levels;
 * adverse-event rates per arm with Clopper–Pearson limits and, for every other arm, its difference
 * from the reference arm with Newcombe's hybrid score interval.
 */
export function armsSection(
  protocol: Protocol,
  enrolled: readonly ParticipantSource[],
  outcomes: TrialOutcomes,
  allocations: ArmAllocations,
): ArmsSection {
  if (!allocations.visible) return { visibility: 'blinded' };
  const { armOf } = allocations;
  const ids = [...new Set([...protocol.study.design.arms.map((arm) => arm.id), ...armOf.values()])].sort(
    codePointOrder,
  );
  const records = survivalRecords(outcomes, armOf);
  const arms: ArmResult[] = ids.map((id) => {
    const members = enrolled.filter((participant) => armOf.get(participant.participantId) === id);
    const rows = records.group.flatMap((arm, index) =>
      arm === id ? [{ time: records.time[index] as number, event: records.event[index] as 0 | 1 }] : [],
    );
    return {
      id,
      name: armName(protocol, id),
      n: members.length,
      ttci: rows.length ? kaplanMeier(rows) : null,
      adverseEvents: adverseEvents(safetyTables(protocol, members)),
    };
  });
  const reference = ids[0] as string;
  const { stratumOf } = allocations;
  const unstratified = compareArms(records, reference);
  return {
    visibility: 'shown',
    arms,
    reference,
    unallocated: enrolled.filter((participant) => !armOf.has(participant.participantId)).length,
    ...unstratified,
    stratified: stratumOf
      ? compareArms(
          { ...records, strata: records.participantIds.map((id) => stratumOf.get(id) ?? '') },
          reference,
        )
      : null,
    riskDifferences: riskDifferencesOf(arms),
  };
}

/** The section as JSON: numbers only; a Kaplan–Meier fit as its rows and median. */
export function serialiseArms(section: ArmsSection) {
  if (section.visibility === 'blinded') {
    return { visibility: 'blinded' as const, notice: BLINDED_NOTICE.en };
  }
  return {
    ...section,
    arms: section.arms.map((arm) => ({
      ...arm,
      ttci: arm.ttci
        ? { n: arm.ttci.n, events: arm.ttci.events, median: arm.ttci.median, rows: arm.ttci.rows }
        : null,
    })),
  };
}
