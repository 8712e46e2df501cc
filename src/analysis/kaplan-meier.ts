import { type ConfType, criticalValue, probabilityInterval } from './survival-ci.ts';
import { curveQuantile, printMedian } from './survival-quantile.ts';

export type { ConfType } from './survival-ci.ts';

export interface SurvivalObservation {
  time: number;
  /** 1 = event observed, 0 = censored. */
  event: 0 | 1;
}

export interface KaplanMeierOptions {
  /** Transformation for the pointwise interval; 'log' by default, as R survfit. */
  confType?: ConfType;
  /** 0.95 by default. */
  confLevel?: number;
}

export interface KaplanMeierRow {
  time: number;
  nRisk: number;
  nEvent: number;
  nCensor: number;
  surv: number;
  /** Greenwood standard error of log S(t) (R's `std.err`); Infinity once S reaches 0. */
  stdErr: number;
  /** null where R reports NA or NaN. */
  lower: number | null;
  upper: number | null;
}

export interface MedianWithLimits {
  median: number | null;
  lower: number | null;
  upper: number | null;
}

export interface SurvivalQuantile extends MedianWithLimits {
  prob: number;
}

export interface KaplanMeierFit {
  n: number;
  events: number;
  confType: ConfType;
  confLevel: number;
  rows: KaplanMeierRow[];
  /** Median and its limits as print.survfit prints them. */
  median: MedianWithLimits;
  /** Numbers at risk at the given times, as summary(fit, times =, extend = TRUE)$n.risk. */
  atRisk(times: readonly number[]): number[];
  /** Quantiles as quantile.survfit (the median here can differ from `median` on a flat end). */
  quantiles(probs: readonly number[]): SurvivalQuantile[];
}

function validate(data: readonly SurvivalObservation[]): void {
  data.forEach((observation, index) => {
    if (!Number.isFinite(observation.time)) {
      throw new RangeError(`observation ${index + 1}: time must be a finite number, got ${observation.time}`);
    }
    if (observation.event !== 0 && observation.event !== 1) {
      throw new RangeError(
        `observation ${index + 1}: event must be 0 or 1, got ${String(observation.event)}`,
      );
    }
  });
}

/**
 * Kaplan–Meier product-limit estimate S(t) = Π_{tᵢ ≤ t} (nᵢ − dᵢ)/nᵢ at every distinct time
 * (event or censoring; at a tied time events come before censorings, so the censored are at risk),
 * with the Greenwood variance of log S, Σ dᵢ / (nᵢ(nᵢ − dᵢ)), and pointwise intervals
 * (see `probabilityInterval`). Kaplan & Meier (1958); Greenwood (1926); matches R survival's
 * `survfit(Surv(time, event) ~ 1)` (survival 3.5: time, n.risk, n.event, n.censor, surv, std.err,
 * lower, upper), print.survfit's median and quantile.survfit.
 */
export function kaplanMeier(
  data: readonly SurvivalObservation[],
  options: KaplanMeierOptions = {},
): KaplanMeierFit {
  validate(data);
  const times = new Float64Array(data.length);
  const events = new Uint8Array(data.length);
  data.forEach((observation, index) => {
    times[index] = observation.time;
    events[index] = observation.event;
  });
  return kaplanMeierColumns(times, events, options);
}

/**
 * `kaplanMeier` on columns (time, and 1 = event / 0 = censored), as a CSV reader fills them: a
 * million observations without a million objects. The caller has checked the values.
 */
export function kaplanMeierColumns(
  times: Float64Array,
  events: Uint8Array,
  options: KaplanMeierOptions = {},
): KaplanMeierFit {
  const confType = options.confType ?? 'log';
  const confLevel = options.confLevel ?? 0.95;
  const z = criticalValue(confLevel);
  // Event and censoring times sorted apart as typed arrays (native numeric sort, no object
  // comparator), then walked together: a million rows fit in a fraction of a second.
  let eventCount = 0;
  for (const event of events) eventCount += event;
  const eventTimes = new Float64Array(eventCount);
  const censorTimes = new Float64Array(times.length - eventCount);
  let e = 0;
  let c = 0;
  times.forEach((time, index) => {
    if (events[index] === 1) eventTimes[e++] = time;
    else censorTimes[c++] = time;
  });
  eventTimes.sort();
  censorTimes.sort();
  const rows: KaplanMeierRow[] = [];
  let atRisk = times.length;
  let surv = 1;
  let variance = 0;
  e = 0;
  c = 0;
  while (e < eventTimes.length || c < censorTimes.length) {
    const nextEvent = e < eventTimes.length ? (eventTimes[e] as number) : Number.POSITIVE_INFINITY;
    const nextCensor = c < censorTimes.length ? (censorTimes[c] as number) : Number.POSITIVE_INFINITY;
    const time = Math.min(nextEvent, nextCensor);
    let nEvent = 0;
    let nCensor = 0;
    while (e < eventTimes.length && eventTimes[e] === time) {
      nEvent++;
      e++;
    }
    while (c < censorTimes.length && censorTimes[c] === time) {
      nCensor++;
      c++;
    }
    if (nEvent > 0) {
      surv *= (atRisk - nEvent) / atRisk;
      variance += atRisk > nEvent ? nEvent / (atRisk * (atRisk - nEvent)) : Number.POSITIVE_INFINITY;
    }
    const stdErr = Math.sqrt(variance);
    rows.push({
      time,
      nRisk: atRisk,
      nEvent,
      nCensor,
      surv,
      stdErr,
      ...probabilityInterval(surv, stdErr, confType, z),
    });
    atRisk -= nEvent + nCensor;
  }
  return buildFit(rows, confType, confLevel);
}

function buildFit(rows: KaplanMeierRow[], confType: ConfType, confLevel: number): KaplanMeierFit {
  const times = rows.map((row) => row.time);
  const lower = rows.map((row) => row.lower);
  const upper = rows.map((row) => row.upper);
  const surv = rows.map((row) => row.surv);
  return {
    n: rows[0]?.nRisk ?? 0,
    events: rows.reduce((sum, row) => sum + row.nEvent, 0),
    confType,
    confLevel,
    rows,
    median: {
      median: printMedian(times, surv),
      lower: printMedian(times, lower),
      upper: printMedian(times, upper),
    },
    atRisk: (at) => numberAtRisk(rows, at),
    quantiles: (probs) =>
      probs.map((prob) => ({
        prob,
        median: curveQuantile(times, surv, prob),
        lower: curveQuantile(times, lower, prob),
        upper: curveQuantile(times, upper, prob),
      })),
  };
}

/**
 * Number still at risk (time ≥ t) at each requested time t, read off the fitted rows: the n.risk of
 * the first row at or after t, 0 after the last time. Same as R's summary(fit, times, extend = TRUE).
 */
export function numberAtRisk(
  rows: readonly { time: number; nRisk: number }[],
  times: readonly number[],
): number[] {
  return times.map((time) => rows.find((row) => row.time >= time)?.nRisk ?? 0);
}

export interface GroupedSurvivalObservation extends SurvivalObservation {
  group: string;
}

export interface GroupFit<Fit> {
  group: string;
  fit: Fit;
}

/** Splits observations by `group`, in code-point order of the group labels (R's factor levels for ASCII labels). */
export function splitByGroup<T extends { group: string }>(
  data: readonly T[],
): { group: string; members: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const observation of data) {
    const members = groups.get(observation.group);
    if (members) members.push(observation);
    else groups.set(observation.group, [observation]);
  }
  return [...groups.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((group) => ({ group, members: groups.get(group) ?? [] }));
}

/** Kaplan–Meier per group: the strata of R's `survfit(Surv(time, event) ~ group)`. */
export function kaplanMeierByGroup(
  data: readonly GroupedSurvivalObservation[],
  options: KaplanMeierOptions = {},
): GroupFit<KaplanMeierFit>[] {
  return splitByGroup(data).map(({ group, members }) => ({ group, fit: kaplanMeier(members, options) }));
}
