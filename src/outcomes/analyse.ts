import { betaCdf } from '../analysis/beta.ts';
import { type BetaPosterior, betaBinomialPosterior } from '../analysis/beta-binomial.ts';
import { type BinomialTestResult, binomialTest } from '../analysis/binomial.ts';
import { type AalenJohansenFit, aalenJohansen } from '../analysis/competing-risks.ts';
import { type KaplanMeierFit, kaplanMeier } from '../analysis/kaplan-meier.ts';
import type { Protocol } from '../protocol/schema.ts';
import { deriveOutcomes, type OutcomeResult } from './secondary.ts';
import type { ParticipantSource } from './source.ts';
import { compileTtci, deriveTtci, type TtciParticipant } from './ttci.ts';

export interface MortalityAnalysis {
  horizonDays: number;
  deaths: number;
  n: number;
  historicalRate: number;
  /** Exact one-sided test of H0: rate ≥ historical against rate < historical (binom.test, "less"). */
  test: BinomialTestResult;
  prior: { a: number; b: number };
  posterior: BetaPosterior;
  /** Posterior probability that the mortality rate is below the historical rate. */
  probabilityBelowHistorical: number;
}

export interface TtciAnalysis {
  participants: TtciParticipant[];
  /** Primary: Kaplan–Meier of time to improvement (1 − S is the cumulative proportion improved). */
  fit: KaplanMeierFit | null;
  /** Sensitivity: Aalen–Johansen cumulative incidence of improvement with death as a competing event. */
  competing: AalenJohansenFit | null;
  excluded: { notDosed: number; baselineMissing: number };
}

export interface TrialOutcomes {
  cutDate: string;
  ttci: TtciAnalysis | null;
  mortality: MortalityAnalysis | null;
  outcomes: OutcomeResult[];
}

export interface AnalyseOptions {
  /** Mortality the protocol compares with (PROTOCOL.md background: about 10% in severe patients). */
  historicalMortality?: number;
  mortalityPrior?: { a: number; b: number };
}

/**
 * Derives every outcome of the protocol for the analysis set (participants with a study day 1) from
 * their source records, as of `cutDate` (YYYY-MM-DD): TTCI (primary and competing-risk), mortality
 * within the TTCI horizon with its exact test against the historical rate and a Beta posterior, and
 * each outcome listed in the protocol.
 */
export function analyseOutcomes(
  protocol: Protocol,
  sources: readonly ParticipantSource[],
  cutDate: string,
  options: AnalyseOptions = {},
): TrialOutcomes {
  const analysisSet = sources.filter((participant) => participant.day1Date !== null);
  const hasTtci = protocol.outcomes.ttci !== undefined && protocol.outcomes.ordinalScale !== undefined;
  const compiled = hasTtci ? compileTtci(protocol) : null;
  const ttciParticipants = compiled
    ? analysisSet.map((participant) => deriveTtci(compiled, participant, cutDate))
    : [];
  const rows = ttciParticipants.flatMap((participant) =>
    participant.analysis ? [participant.analysis] : [],
  );
  const ttci: TtciAnalysis | null = compiled
    ? {
        participants: ttciParticipants,
        fit: rows.length ? kaplanMeier(rows.map((row) => ({ time: row.time, event: row.event }))) : null,
        competing: rows.length
          ? aalenJohansen(rows.map((row) => ({ time: row.competingTime, status: row.competingStatus })))
          : null,
        excluded: {
          notDosed: sources.length - analysisSet.length,
          baselineMissing: ttciParticipants.filter(
            (participant) => participant.exclusion === 'baseline-missing',
          ).length,
        },
      }
    : null;
  const deathDay = new Map(
    ttciParticipants.map((participant) => [participant.participantId, participant.deathDay]),
  );
  const followedTo = new Map(
    ttciParticipants.map((participant) => [participant.participantId, participant.followedTo]),
  );
  const outcomes = deriveOutcomes({ protocol, participants: analysisSet, deathDay, followedTo });
  for (const outcome of outcomes) {
    if (outcome.measure === 'time-to-event' && outcome.definedBy === 'ttci' && ttci?.fit) {
      outcome.n = ttci.fit.n;
      outcome.events = ttci.fit.events;
      outcome.fit = ttci.fit;
    }
  }
  let mortality: MortalityAnalysis | null = null;
  if (compiled && analysisSet.length > 0) {
    const horizonDays = compiled.definition.horizonDays;
    const deaths = ttciParticipants.filter(
      (participant) => participant.deathDay !== null && participant.deathDay <= horizonDays,
    ).length;
    const n = analysisSet.length;
    const historicalRate = options.historicalMortality ?? 0.1;
    const prior = options.mortalityPrior ?? { a: 1, b: 1 };
    mortality = {
      horizonDays,
      deaths,
      n,
      historicalRate,
      test: binomialTest(deaths, n, { p: historicalRate, alternative: 'less' }),
      prior,
      posterior: betaBinomialPosterior(deaths, n, prior),
      // pbeta(historical, a + x, b + n - x)
      probabilityBelowHistorical: betaCdf(historicalRate, prior.a + deaths, prior.b + n - deaths),
    };
  }
  return { cutDate, ttci, mortality, outcomes };
}
