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

export interface RateRuleStatus {
  ruleId: string;
  kind: 'bayesian-beta';
  action: StoppingRule['action'];
  tripped: boolean;
  /** Participants of the safety population with at least one counted event, and the population size. */
  events: number;
  participants: number;
  probabilityAbove: number;
  rateThreshold: number;
  probabilityThreshold: number;
  posteriorMean: number;
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

/**
 * A `bayesian-beta` rule: x = participants of the safety population with at least one event matching
 * `eventRule`, n = the population; Beta(α, β) prior; trips when P(rate > threshold | x, n) exceeds
 * the probability bound (see analysis/beta-binomial.ts). Evaluated after each participant in turn,
 * counting each participant's events whenever they occurred.
 *
 * The monitor never trips on zero events: it exists to detect harm, and with a vague prior the
 * probability can exceed the bound before any data (MEXCOVID's Beta(1, 1) gives P(rate > 10%) = 0.9
 * with no participant, above its 0.8 bound; 0.81 after one participant without an event).
 */
export function evaluateRateRule(
  rule: Extract<StoppingRule, { kind: 'bayesian-beta' }>,
  events: readonly RuleEvent[],
  population: readonly string[],
): RateRuleStatus {
  const withEvent = new Set(
    events.filter((event) => ruleHolds(rule.eventRule, event.values)).map((event) => event.participantId),
  );
  const monitor = {
    threshold: rule.rateThreshold,
    probability: rule.probabilityThreshold,
    prior: { a: rule.prior.alpha, b: rule.prior.beta },
  };
  const sequence: RatePoint[] = [];
  let x = 0;
  population.forEach((participantId, index) => {
    if (withEvent.has(participantId)) x += 1;
    const result = evaluateRateStoppingRule(x, index + 1, monitor);
    sequence.push({
      participants: index + 1,
      participantId,
      events: x,
      probabilityAbove: result.probabilityAbove,
      tripped: result.triggered && x > 0,
    });
  });
  const current = evaluateRateStoppingRule(x, population.length, monitor);
  return {
    ruleId: rule.id,
    kind: 'bayesian-beta',
    action: rule.action,
    tripped: current.triggered && x > 0,
    events: x,
    participants: population.length,
    probabilityAbove: current.probabilityAbove,
    rateThreshold: rule.rateThreshold,
    probabilityThreshold: rule.probabilityThreshold,
    posteriorMean: current.posterior.mean,
    boundary: eventBoundary(population.length, monitor),
    sequence,
  };
}

/** The fewest events (at least one) among n participants that trip the monitor; null when none can. */
function eventBoundary(n: number, monitor: Parameters<typeof stoppingBoundary>[1]): number | null {
  const boundary = stoppingBoundary(n, monitor);
  if (boundary === null) return null;
  const atLeastOne = Math.max(1, boundary);
  return atLeastOne <= n ? atLeastOne : null;
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
