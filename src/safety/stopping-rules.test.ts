import { beforeAll, describe, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import { protocolSchema } from '../protocol/schema.ts';
import {
  evaluateEventRule,
  evaluateRateRule,
  evaluateStoppingRules,
  type RuleEvent,
  type StoppingRule,
} from './stopping-rules.ts';

let rules: StoppingRule[];
beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  rules = loaded.protocol.safety.stoppingRules;
});
const rule = <K extends StoppingRule['kind']>(id: string, kind: K) => {
  const found = rules.find((entry) => entry.id === id);
  if (found?.kind !== kind) throw new Error(`no ${kind} rule ${id}`);
  return found as Extract<StoppingRule, { kind: K }>;
};

let counter = 0;
function event(participantId: string, values: Record<string, string | number | boolean>): RuleEvent {
  counter += 1;
  return {
    aeId: `ae-${counter}`,
    participantId,
    values: Object.fromEntries(
      Object.entries(values).map(([item, value]) => [`adverseEvent.${item}`, value]),
    ),
  };
}

/** P(Beta(1 + x, 1 + n − x) > t) = P(Binomial(n + 1, t) ≤ x): an independent check of the monitor. */
function binomialTail(x: number, n: number, t: number): number {
  let sum = 0;
  let coefficient = 1;
  for (let k = 0; k <= x; k++) {
    if (k > 0) coefficient = (coefficient * (n + 1 - k + 1)) / k;
    sum += coefficient * t ** k * (1 - t) ** (n + 1 - k);
  }
  return sum;
}

describe('event stopping rules (MEXCOVID defaults)', () => {
  it('grade ≥ 4 and at least possibly related trips at grade 4, not at grade 3', () => {
    const grade4 = rule('related-grade-4', 'event');
    const atEdge = event('p1', { grade: 4, causality: 'possible', outcome: 'recovering' });
    const justBelow = event('p1', { grade: 3, causality: 'certain', outcome: 'recovering' });
    expect(evaluateEventRule(grade4, [justBelow])).toMatchObject({ tripped: false, aeIds: [] });
    expect(evaluateEventRule(grade4, [justBelow, atEdge])).toMatchObject({
      tripped: true,
      aeIds: [atEdge.aeId],
    });
  });

  it('needs the causality to be related: "unlikely" or not yet assessed does not trip', () => {
    const grade4 = rule('related-grade-4', 'event');
    expect(evaluateEventRule(grade4, [event('p1', { grade: 5, causality: 'unlikely' })]).tripped).toBe(false);
    expect(evaluateEventRule(grade4, [event('p1', { grade: 4 })]).tripped).toBe(false);
    expect(evaluateEventRule(grade4, [event('p1', { grade: 4, causality: 'probable' })]).tripped).toBe(true);
  });

  it('a related death trips by grade 5 or by a fatal outcome', () => {
    const death = rule('related-death', 'event');
    expect(
      evaluateEventRule(death, [event('p1', { grade: 4, causality: 'certain', outcome: 'recovering' })])
        .tripped,
    ).toBe(false);
    expect(
      evaluateEventRule(death, [event('p1', { grade: 4, causality: 'certain', outcome: 'fatal' })]).tripped,
    ).toBe(true);
    expect(evaluateEventRule(death, [event('p1', { grade: 5, causality: 'possible' })]).tripped).toBe(true);
    expect(evaluateEventRule(death, [event('p1', { grade: 5, causality: 'unassessable' })]).tripped).toBe(
      false,
    );
  });
});

describe('Bayesian beta-binomial monitor of related serious events (Beta(1,1), P(rate > 10%) > 0.8)', () => {
  const related = (participantId: string) =>
    event(participantId, { serious: true, causality: 'possible', grade: 3 });
  const population = (count: number) => Array.from({ length: count }, (_, index) => `p${index + 1}`);

  it('matches the binomial identity for every point of the sequence', () => {
    const monitor = rule('related-serious-rate', 'bayesian-beta');
    const status = evaluateRateRule(monitor, [related('p2'), related('p5')], population(12));
    for (const point of status.sequence) {
      expect(point.probabilityAbove).toBeCloseTo(binomialTail(point.events, point.participants, 0.1), 10);
    }
  });

  it('does not trip without an event, although the vague prior alone exceeds the bound', () => {
    const monitor = rule('related-serious-rate', 'bayesian-beta');
    const status = evaluateRateRule(monitor, [], population(1));
    expect(status.probabilityAbove).toBeCloseTo(0.81, 10);
    expect(status.tripped).toBe(false);
    expect(evaluateRateRule(monitor, [], []).tripped).toBe(false);
  });

  it('one event trips among 7 participants and not among 8', () => {
    const monitor = rule('related-serious-rate', 'bayesian-beta');
    const seven = evaluateRateRule(monitor, [related('p1')], population(7));
    const eight = evaluateRateRule(monitor, [related('p1')], population(8));
    expect(seven.probabilityAbove).toBeGreaterThan(0.8);
    expect(seven).toMatchObject({ tripped: true, events: 1, participants: 7, boundary: 1 });
    expect(eight.probabilityAbove).toBeLessThanOrEqual(0.8);
    expect(eight).toMatchObject({ tripped: false, boundary: 2 });
  });

  it('after each participant: trips at the event, clears, and trips again only at 2 of 14, not 2 of 15', () => {
    const monitor = rule('related-serious-rate', 'bayesian-beta');
    const events = [related('p3'), related('p14'), related('p15')];
    const fourteen = evaluateRateRule(monitor, events.slice(0, 2), population(14));
    expect(fourteen.sequence.map((point) => point.tripped)).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    // The same second event in participant 15 instead of 14 comes one participant too late.
    const fifteen = evaluateRateRule(
      monitor,
      [events[0], events[2]].flatMap((e) => (e ? [e] : [])),
      population(15),
    );
    expect(fifteen.sequence.at(-1)).toMatchObject({ participants: 15, events: 2, tripped: false });
  });

  it('counts participants, not events, and ignores events that are not serious or not related', () => {
    const monitor = rule('related-serious-rate', 'bayesian-beta');
    const status = evaluateRateRule(
      monitor,
      [
        related('p1'),
        related('p1'),
        event('p2', { serious: false, causality: 'certain', grade: 2 }),
        event('p3', { serious: true, causality: 'unlikely', grade: 3 }),
        related('outside-the-population'),
      ],
      population(10),
    );
    expect(status).toMatchObject({ events: 1, participants: 10 });
  });

  it('evaluates every rule of the protocol in order', () => {
    const statuses = evaluateStoppingRules(
      rules,
      [event('p1', { grade: 4, causality: 'possible', serious: true })],
      ['p1'],
    );
    expect(statuses.map((status) => [status.ruleId, status.tripped])).toEqual([
      ['related-grade-4', true],
      ['related-death', false],
      ['related-serious-rate', true],
    ]);
  });
});

describe('the monitor’s minimums: explicit in the protocol, checked by its schema', () => {
  const related = (participantId: string) =>
    event(participantId, { serious: true, causality: 'possible', grade: 3 });
  const population = (count: number) => Array.from({ length: count }, (_, index) => `p${index + 1}`);
  const base = () => rule('related-serious-rate', 'bayesian-beta');

  it('MEXCOVID states them: at least one event, at least one evaluable participant', () => {
    expect(base()).toMatchObject({ minimumEvents: 1, minimumParticipants: 1 });
  });

  it('says why it has not tripped: no participant, no event (prior above the bound), within the bound', () => {
    const none = evaluateRateRule(base(), [], []);
    expect(none).toMatchObject({ tripped: false, verdict: 'too-few-participants', boundary: null });
    expect(none.priorProbabilityAbove).toBeCloseTo(0.9, 12);
    const noEvent = evaluateRateRule(base(), [], population(1));
    expect(noEvent.probabilityAbove).toBeGreaterThan(0.8);
    expect(noEvent).toMatchObject({ tripped: false, verdict: 'too-few-events', boundary: 1 });
    const eight = evaluateRateRule(base(), [related('p1')], population(8));
    expect(eight).toMatchObject({ tripped: false, verdict: 'within-bound', boundary: 2 });
    const seven = evaluateRateRule(base(), [related('p1')], population(7));
    expect(seven).toMatchObject({ tripped: true, verdict: 'tripped' });
  });

  it('minimumParticipants 5: an event in participant 1 trips only when the fifth is evaluable', () => {
    const monitor = { ...base(), minimumParticipants: 5 };
    const status = evaluateRateRule(monitor, [related('p1')], population(8));
    expect(status.sequence.map((point) => point.tripped)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(evaluateRateRule(monitor, [related('p1')], population(4))).toMatchObject({
      verdict: 'too-few-participants',
      boundary: null,
    });
  });

  it('minimumEvents 2: one event never trips, the second trips exactly where the posterior allows', () => {
    const monitor = { ...base(), minimumEvents: 2 };
    const one = evaluateRateRule(monitor, [related('p1')], population(3));
    expect(one).toMatchObject({ tripped: false, verdict: 'too-few-events', boundary: 2 });
    expect(one.probabilityAbove).toBeGreaterThan(0.8);
    // P(rate > 10% | 2 of 14) > 0.8 and P(· | 2 of 15) ≤ 0.8 (binomial identity above).
    expect(binomialTail(2, 14, 0.1)).toBeGreaterThan(0.8);
    expect(binomialTail(2, 15, 0.1)).toBeLessThanOrEqual(0.8);
    const second = (at: number) =>
      evaluateRateRule(monitor, [related('p1'), related(`p${at}`)], population(at));
    expect(second(14)).toMatchObject({ tripped: true, verdict: 'tripped', events: 2 });
    expect(second(15)).toMatchObject({ tripped: false, verdict: 'within-bound', events: 2 });
  });

  it('a protocol stored before the minimums existed is read with their defaults', () => {
    const { minimumEvents: _events, minimumParticipants: _participants, ...old } = base();
    const status = evaluateRateRule(old as StoppingRule & { kind: 'bayesian-beta' }, [], population(1));
    expect(status).toMatchObject({ minimumEvents: 1, minimumParticipants: 1, verdict: 'too-few-events' });
  });

  it('the schema refuses a monitor that would trip on no data, and says what to set', () => {
    const parse = (changes: Record<string, unknown>) =>
      protocolSchema.shape.safety.shape.stoppingRules.safeParse([{ ...base(), ...changes }]);
    const trap = parse({ minimumEvents: 0, minimumParticipants: 1 });
    expect(trap.success).toBe(false);
    const message = trap.error?.issues[0]?.message ?? '';
    expect(message).toContain('P = 0.810 > 0.8');
    expect(message).toContain('minimumParticipants to at least 2');
    expect(trap.error?.issues[0]?.path).toEqual([0, 'minimumEvents']);
    // 0.9³ = 0.729 ≤ 0.8: with two evaluable participants and no event, the prior no longer trips it.
    expect(parse({ minimumEvents: 0, minimumParticipants: 2 }).success).toBe(true);
    expect(parse({ minimumEvents: -1 }).success).toBe(false);
    expect(parse({ minimumParticipants: 0 }).success).toBe(false);
    expect(parse({ minimumEvents: 1.5 }).success).toBe(false);
  });

  it('with minimumEvents 0 and a valid minimum, no data below the bound does not trip', () => {
    const monitor = { ...base(), minimumEvents: 0, minimumParticipants: 2 };
    const status = evaluateRateRule(monitor, [], population(2));
    expect(status.probabilityAbove).toBeCloseTo(0.729, 12);
    expect(status).toMatchObject({ tripped: false, verdict: 'within-bound' });
  });
});
