import { defaultProtocolPath } from '../protocol/default-path.ts';
import { simulateStoppingRules } from '../safety/safety-simulation.ts';
import { tripQuantile } from '../safety/trip-quantile.ts';
import { CliUserError } from './cli-errors.ts';
import { loadProtocol } from './protocol.actions.ts';
import type { SimulateSafetyOptions } from './simulate.ts';

const MAX_WORK = 2e9;

function wholeNumber(text: string, option: string, low: number, high: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new CliUserError(`${option} must be a whole number from ${low} to ${high}, not "${text}".`);
  }
  return value;
}

function rates(text: string): number[] {
  const values = text.split(',').map((part) => part.trim());
  const parsed = values.map(Number);
  const bad = values.filter(
    (value, i) => value === '' || !((parsed[i] as number) >= 0 && (parsed[i] as number) <= 1),
  );
  if (bad.length > 0 || values.length === 0) {
    throw new CliUserError(
      `--true-rate takes rates from 0 to 1, comma-separated (e.g. 0.05,0.1), not "${text}".`,
    );
  }
  return [...new Set(parsed)].sort((a, b) => a - b);
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

export async function simulateSafety(options: SimulateSafetyOptions): Promise<void> {
  const file = options.protocol ?? defaultProtocolPath();
  const trueRates = rates(options.trueRate);
  const runs = wholeNumber(options.runs, '--runs', 1, 10_000_000);
  const seed = wholeNumber(options.seed, '--seed', 0, 2 ** 31 - 1);
  const loaded = loadProtocol(file);
  if (!loaded.ok) {
    const first = loaded.problems.slice(0, 3).map((problem) => `${problem.path}: ${problem.message}`);
    throw new CliUserError(
      `${file} is not a valid protocol (${loaded.problems.length} problems; first: ${first.join('; ')}). Run exotrial protocol validate ${file}.`,
    );
  }
  const protocol = loaded.protocol;
  const participants =
    options.participants === undefined
      ? protocol.study.plannedEnrolment
      : wholeNumber(options.participants, '--participants', 1, 100_000);
  if (protocol.safety.stoppingRules.length === 0) {
    throw new CliUserError(`${file} declares no stopping rules: there is nothing to simulate.`);
  }
  if (participants * runs * trueRates.length * protocol.safety.stoppingRules.length > MAX_WORK) {
    throw new CliUserError(
      'That is more than 2 billion simulated participants: lower --runs or --participants.',
    );
  }
  const result = simulateStoppingRules(protocol, { trueRates, participants, runs, seed });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ protocol: file, ...result }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${protocol.study.shortTitle}: ${participants} participants, ${runs} simulated trials per rate, seed ${seed}; each rule on its own\n`,
  );
  for (const rule of protocol.safety.stoppingRules) {
    process.stdout.write(`\n${rule.id} (${rule.kind}, ${rule.action})\n`);
    process.stdout.write(
      '  true rate  P(trips) ± s.e.     enrolled at trip: mean  quartiles   mean enrolled\n',
    );
    for (const row of result.rules.filter((entry) => entry.ruleId === rule.id)) {
      const quartiles =
        row.meanEnrolledAtTrip === null
          ? '—'
          : `${tripQuantile(row.enrolledAtTrip, 0.25)}/${tripQuantile(row.enrolledAtTrip, 0.5)}/${tripQuantile(row.enrolledAtTrip, 0.75)}`;
      process.stdout.write(
        `  ${percent(row.trueRate).padStart(9)}  ${percent(row.probabilityTripped).padStart(7)} ± ${percent(row.standardError).padEnd(6)}  ${(row.meanEnrolledAtTrip === null ? '—' : row.meanEnrolledAtTrip.toFixed(1)).padStart(20)}  ${quartiles.padStart(9)}  ${row.meanEnrolled.toFixed(1).padStart(14)}\n`,
      );
    }
  }
}
