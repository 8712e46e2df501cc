import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultProtocolPath } from '../protocol/default-path.ts';
import { parseProtocolText } from '../protocol/parse-text.ts';
import type { Protocol } from '../protocol/schema.ts';
import { type SafetySimulation, simulateStoppingRules, trippedWith } from './safety-simulation.ts';
import type { StoppingRule } from './stopping-rules.ts';

const parsed = parseProtocolText(readFileSync(defaultProtocolPath(), 'utf8'), 'mexcovid.yaml');
if (!parsed.ok) throw new Error('the default protocol does not parse');
const protocol: Protocol = parsed.protocol;
const rule = (id: string) => protocol.safety.stoppingRules.find((entry) => entry.id === id) as StoppingRule;
const result = (simulation: SafetySimulation, id: string, rate: number) =>
  simulation.rules.find((entry) => entry.ruleId === id && entry.trueRate === rate);

/**
 * Exactly, by dynamic programming over (participants, events) with the trip absorbing: the probability
 * that the rule trips with each number enrolled. Independent of the simulation's code path.
 */
function exactTripDistribution(stoppingRule: StoppingRule, p: number, participants: number): number[] {
  let alive = [1];
  const trips: number[] = [];
  for (let n = 1; n <= participants; n++) {
    const next = new Array<number>(n + 1).fill(0);
    alive.forEach((mass, x) => {
      next[x] = (next[x] as number) + mass * (1 - p);
      next[x + 1] = (next[x + 1] as number) + mass * p;
    });
    let tripped = 0;
    next.forEach((mass, x) => {
      if (mass > 0 && trippedWith(stoppingRule, x, n)) {
        tripped += mass;
        next[x] = 0;
      }
    });
    trips.push(tripped);
    alive = next;
  }
  return trips;
}

const N = 20;
const RUNS = 20_000;
const RATES = [0.05, 0.1, 0.3];
const simulation = simulateStoppingRules(protocol, {
  trueRates: RATES,
  participants: N,
  runs: RUNS,
  seed: 7,
});

describe('simulateStoppingRules', () => {
  it('an event rule trips with the closed-form probability 1 − (1 − p)^N and mean enrolled at the trip, within Monte Carlo error', () => {
    for (const p of RATES) {
      const simulated = result(simulation, 'related-grade-4', p);
      const probability = 1 - (1 - p) ** N;
      expect(Math.abs((simulated?.probabilityTripped ?? -1) - probability)).toBeLessThan(
        4 * Math.sqrt((probability * (1 - probability)) / RUNS),
      );
      // Enrolled at the trip: geometric truncated at N, E[T | T ≤ N] and its spread.
      const mass = Array.from({ length: N }, (_, k) => p * (1 - p) ** k);
      const mean = mass.reduce((sum, m, k) => sum + (k + 1) * m, 0) / probability;
      const variance = mass.reduce((sum, m, k) => sum + (k + 1 - mean) ** 2 * m, 0) / probability;
      const trippedRuns = (simulated?.probabilityTripped ?? 0) * RUNS;
      expect(Math.abs((simulated?.meanEnrolledAtTrip ?? -1) - mean)).toBeLessThan(
        4 * Math.sqrt(variance / trippedRuns),
      );
    }
  });

  it('MEXCOVID’s Beta(1, 1) monitor trips with the exact probability, at each number enrolled, within Monte Carlo error', () => {
    const monitor = rule('related-serious-rate');
    for (const p of RATES) {
      const simulated = result(simulation, 'related-serious-rate', p);
      const exact = exactTripDistribution(monitor, p, N);
      const probability = exact.reduce((sum, value) => sum + value, 0);
      expect(Math.abs((simulated?.probabilityTripped ?? -1) - probability)).toBeLessThan(
        4 * Math.sqrt((probability * (1 - probability)) / RUNS) + 1e-12,
      );
      simulated?.enrolledAtTrip.forEach((count, k) => {
        const expected = exact[k] as number;
        expect(Math.abs(count / RUNS - expected), `p ${p}, ${k + 1} enrolled`).toBeLessThan(
          4 * Math.sqrt((expected * (1 - expected)) / RUNS) + 1e-12,
        );
      });
    }
  });

  it('gives the same figures for a seed, and other figures for another seed', () => {
    const options = { trueRates: [0.1], participants: N, runs: 2_000 };
    const first = simulateStoppingRules(protocol, { ...options, seed: 11 });
    expect(simulateStoppingRules(protocol, { ...options, seed: 11 })).toEqual(first);
    expect(simulateStoppingRules(protocol, { ...options, seed: 12 })).not.toEqual(first);
  });
});
