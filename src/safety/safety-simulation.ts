import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Protocol } from '../protocol/schema.ts';
import { rateVerdict, type StoppingRule } from './stopping-rules.ts';

// Pure: operating characteristics of a protocol's stopping rules by Monte Carlo simulation, so the
// protocol team can tune them before the first patient.

export interface SimulationOptions {
  /** The true per-participant probability of each rule's counted event. */
  trueRates: readonly number[];
  /** Participants enrolled one after the other (the protocol's planned enrolment by default). */
  participants: number;
  runs: number;
  seed: number;
}

export interface RuleOperatingCharacteristics {
  ruleId: string;
  kind: StoppingRule['kind'];
  action: StoppingRule['action'];
  trueRate: number;
  /** Share of runs in which the rule tripped before the last participant's data were in. */
  probabilityTripped: number;
  /** Its Monte Carlo standard error, √(p(1−p)/runs). */
  standardError: number;
  /** Mean number enrolled when the rule tripped, over the runs in which it did (null: never). */
  meanEnrolledAtTrip: number | null;
  /** Mean number enrolled in a run: the trip's count, or all participants when it never tripped. */
  meanEnrolled: number;
  /** How many runs tripped with each number enrolled (index 0: one participant). */
  enrolledAtTrip: number[];
}

export interface SafetySimulation {
  participants: number;
  runs: number;
  seed: number;
  rules: RuleOperatingCharacteristics[];
}

/**
 * Whether a rule stands tripped with `events` counted events among `enrolled` participants: an event
 * rule at its first matching event, a Bayesian rate monitor by the posterior rule with the protocol's
 * minimums (the same verdict the live trial computes, stopping-rules.ts).
 */
export function trippedWith(rule: StoppingRule, events: number, enrolled: number): boolean {
  if (rule.kind === 'event') return events >= 1;
  return rateVerdict(rule, events, enrolled).verdict === 'tripped';
}

/**
 * Simulates each stopping rule on its own: participants enrol one after the other, each has the
 * rule's counted event with probability `trueRate` (independently), and the rule is looked at after
 * each participant's data; a run ends at the first trip or after the last participant. One stream of
 * xoroshiro128+ (pure-rand) from `seed` per rule and rate, so a result is reproduced by its seed.
 */
export function simulateStoppingRules(protocol: Protocol, options: SimulationOptions): SafetySimulation {
  const rules: RuleOperatingCharacteristics[] = [];
  protocol.safety.stoppingRules.forEach((rule, ruleIndex) => {
    const boundaries = tripBoundaries(rule, options.participants);
    options.trueRates.forEach((trueRate, rateIndex) => {
      rules.push(simulateRule(rule, boundaries, trueRate, options, ruleIndex * 1_000 + rateIndex));
    });
  });
  return { participants: options.participants, runs: options.runs, seed: options.seed, rules };
}

/**
 * boundaries[n]: the fewest events among n + 1 participants that trip the rule (Infinity: none do).
 * More events never untrip a rule (the posterior probability above the threshold grows with the
 * events, and the minimum of events is a lower bound), so a binary search over the events finds it:
 * about 10 posterior evaluations per number enrolled instead of one per possible count.
 */
function tripBoundaries(rule: StoppingRule, participants: number): number[] {
  return Array.from({ length: participants }, (_, n) => {
    const enrolled = n + 1;
    if (!trippedWith(rule, enrolled, enrolled)) return Number.POSITIVE_INFINITY;
    let low = 0;
    let high = enrolled;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (trippedWith(rule, middle, enrolled)) high = middle;
      else low = middle + 1;
    }
    return low;
  });
}

function simulateRule(
  rule: StoppingRule,
  boundaries: readonly number[],
  trueRate: number,
  options: SimulationOptions,
  stream: number,
): RuleOperatingCharacteristics {
  const rng = xoroshiro128plus(options.seed);
  // Independent streams per rule and rate: jump ahead 2^64 draws for each stream index.
  for (let jump = 0; jump < stream; jump++) rng.jump();
  const enrolledAtTrip = new Array<number>(options.participants).fill(0);
  let tripped = 0;
  let enrolledSum = 0;
  let trippedEnrolledSum = 0;
  for (let run = 0; run < options.runs; run++) {
    let events = 0;
    let trippedAt = 0;
    for (let n = 0; n < options.participants; n++) {
      if (uniformFloat64(rng) < trueRate) events++;
      if (events >= (boundaries[n] as number)) {
        trippedAt = n + 1;
        break;
      }
    }
    if (trippedAt > 0) {
      tripped++;
      trippedEnrolledSum += trippedAt;
      enrolledSum += trippedAt;
      enrolledAtTrip[trippedAt - 1] = (enrolledAtTrip[trippedAt - 1] as number) + 1;
    } else {
      enrolledSum += options.participants;
    }
  }
  const probability = tripped / options.runs;
  return {
    ruleId: rule.id,
    kind: rule.kind,
    action: rule.action,
    trueRate,
    probabilityTripped: probability,
    standardError: Math.sqrt((probability * (1 - probability)) / options.runs),
    meanEnrolledAtTrip: tripped > 0 ? trippedEnrolledSum / tripped : null,
    meanEnrolled: enrolledSum / options.runs,
    enrolledAtTrip,
  };
}
