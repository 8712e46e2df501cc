import { evaluateRateStoppingRule, stoppingBoundary } from '../analysis/beta-binomial.ts';
import type { RuleInputValue, RuleNode } from '../protocol/rules/ast.ts';
import { evaluateRule } from '../protocol/rules/evaluate.ts';
import { parseRule } from '../protocol/rules/parser.ts';
import type { Protocol } from '../protocol/schema.ts';

// Pure: the protocol's stopping rules over the adverse events recorded so far.

export type StoppingRule = Protocol['safety']['stoppingRules'][number];

/** One adverse event as the rules see it: its values keyed `adverseEvent.item`. */
export interface RuleEvent {
  aeId: string;
  participantId: string;
  values: Record<string, RuleInputValue>;
}

export interface EventRuleStatus {
  ruleId: string;
  kind: 'event';
  action: StoppingRule['action'];
  tripped: boolean;
  /** The events for which the rule is true, in the order given. */
  aeIds: string[];
}

export interface RatePoint {
  /** 1-based: the monitor after this many participants of the safety population. */
  participants: number;
  participantId: string;
  events: number;
  probabilityAbove: number;
  tripped: boolean;
}

/**
 * Why a rate monitor stands where it does: tripped; or not, because fewer participants than the
 * protocol's minimum are evaluable, because fewer counted events than its minimum were seen (the
 * vague prior alone can be above the bound), or because the posterior probability is within the bound.
 */
export type RateVerdict = 'tripped' | 'too-few-participants' | 'too-few-events' | 'within-bound';

export interface RateRuleStatus {
  ruleId: string;
  kind: 'bayesian-beta';
  action: StoppingRule['action'];
  tripped: boolean;
  verdict: RateVerdict;
  /** Participants of the safety population with at least one counted event, and the population size. */
  events: number;
  participants: number;
  probabilityAbove: number;
  rateThreshold: number;
  probabilityThreshold: number;
  posteriorMean: number;
  /** The protocol's conditions before the monitor may trip. */
  minimumEvents: number;
  minimumParticipants: number;
  /** P(rate > threshold) from the prior alone (no participant): above the bound for a vague prior. */
  priorProbabilityAbove: number;
  /** The fewest events among the current participants that trip the rule (null: none can). */
  boundary: number | null;
  /** The monitor after each participant, in the order they joined the safety population. */
  sequence: RatePoint[];
}

export type StoppingRuleStatus = EventRuleStatus | RateRuleStatus;

const compiledRules = new Map<string, RuleNode>();

function compiled(rule: string): RuleNode {
  let ast = compiledRules.get(rule);
  if (!ast) {
    const parsed = parseRule(rule);
    if (!parsed.ok) throw new Error(`stopping rule does not parse: ${rule}`);
    ast = parsed.ast;
    compiledRules.set(rule, ast);
  }
  return ast;
}

/** Whether a rule over adverse event fields holds for one event; unknown (missing values) is false. */
export function ruleHolds(rule: string, values: Record<string, RuleInputValue>): boolean {
  return evaluateRule(compiled(rule), values) === true;
}

/** An `event` rule: true for any single event it matches. */
export function evaluateEventRule(
  rule: Extract<StoppingRule, { kind: 'event' }>,
  events: readonly RuleEvent[],
): EventRuleStatus {
  const aeIds = events.filter((event) => ruleHolds(rule.rule, event.values)).map((event) => event.aeId);
  return { ruleId: rule.id, kind: 'event', action: rule.action, tripped: aeIds.length > 0, aeIds };
}

type RateRule = Extract<StoppingRule, { kind: 'bayesian-beta' }>;

/** The protocol's minimums; a protocol stored before they existed has their defaults (1 and 1). */
export function rateMinimums(rule: RateRule): { minimumEvents: number; minimumParticipants: number } {
  return { minimumEvents: rule.minimumEvents ?? 1, minimumParticipants: rule.minimumParticipants ?? 1 };
}

/** Whether the monitor trips with x counted events among n evaluable participants, and why (not). */
export function rateVerdict(
  rule: RateRule,
  x: number,
  n: number,
): { verdict: RateVerdict; probabilityAbove: number; posteriorMean: number } {
  const { minimumEvents, minimumParticipants } = rateMinimums(rule);
  const result = evaluateRateStoppingRule(x, n, monitorOf(rule));
  const verdict: RateVerdict =
    n < minimumParticipants
      ? 'too-few-participants'
      : x < minimumEvents
        ? 'too-few-events'
        : result.triggered
          ? 'tripped'
          : 'within-bound';
  return { verdict, probabilityAbove: result.probabilityAbove, posteriorMean: result.posterior.mean };
}

const monitorOf = (rule: RateRule) => ({
  threshold: rule.rateThreshold,
  probability: rule.probabilityThreshold,
  prior: { a: rule.prior.alpha, b: rule.prior.beta },
});

/**
 * A `bayesian-beta` rule: x = participants of the safety population with at least one event matching
 * `eventRule`, n = the population; Beta(α, β) prior; trips when P(rate > threshold | x, n) exceeds
 * the probability bound (see analysis/beta-binomial.ts) AND x ≥ minimumEvents AND n ≥
 * minimumParticipants. Evaluated after each participant in turn, counting each participant's events
 * whenever they occurred.
 *
 * The minimums keep the monitor honest: it exists to detect harm seen, and with a vague prior the
 * probability can exceed the bound before any data (MEXCOVID's Beta(1, 1) gives P(rate > 10%) = 0.9
 * with no participant, above its 0.8 bound; 0.81 after one participant without an event). The protocol
 * schema refuses a monitor that could trip on no data (minimumEvents 0 with the prior above the bound).
 */
export function evaluateRateRule(
  rule: RateRule,
  events: readonly RuleEvent[],
  population: readonly string[],
): RateRuleStatus {
  const withEvent = new Set(
    events.filter((event) => ruleHolds(rule.eventRule, event.values)).map((event) => event.participantId),
  );
  const sequence: RatePoint[] = [];
  let x = 0;
  population.forEach((participantId, index) => {
    if (withEvent.has(participantId)) x += 1;
    const point = rateVerdict(rule, x, index + 1);
    sequence.push({
      participants: index + 1,
      participantId,
      events: x,
      probabilityAbove: point.probabilityAbove,
      tripped: point.verdict === 'tripped',
    });
  });
  const current = rateVerdict(rule, x, population.length);
  return {
    ruleId: rule.id,
    kind: 'bayesian-beta',
    action: rule.action,
    tripped: current.verdict === 'tripped',
    verdict: current.verdict,
    events: x,
    participants: population.length,
    probabilityAbove: current.probabilityAbove,
    rateThreshold: rule.rateThreshold,
    probabilityThreshold: rule.probabilityThreshold,
    posteriorMean: current.posteriorMean,
    ...rateMinimums(rule),
    priorProbabilityAbove: evaluateRateStoppingRule(0, 0, monitorOf(rule)).probabilityAbove,
    boundary: eventBoundary(rule, population.length),
    sequence,
  };
}

/** The fewest events among n participants that trip the monitor; null when none can (yet). */
function eventBoundary(rule: RateRule, n: number): number | null {
  const { minimumEvents, minimumParticipants } = rateMinimums(rule);
  if (n < minimumParticipants) return null;
  const boundary = stoppingBoundary(n, monitorOf(rule));
  if (boundary === null) return null;
  const atLeast = Math.max(minimumEvents, boundary);
  return atLeast <= n ? atLeast : null;
}

/** Every stopping rule of the protocol over the events so far and the safety population (in order). */
export function evaluateStoppingRules(
  rules: readonly StoppingRule[],
  events: readonly RuleEvent[],
  population: readonly string[],
): StoppingRuleStatus[] {
  return rules.map((rule) =>
    rule.kind === 'event' ? evaluateEventRule(rule, events) : evaluateRateRule(rule, events, population),
  );
}
