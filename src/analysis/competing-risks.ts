import { type GroupFit, splitByGroup } from './kaplan-meier.ts';
import { type ConfType, criticalValue, logScaleStdErr, probabilityInterval } from './survival-ci.ts';

export interface CompetingRiskObservation {
  time: number;
  /** 0 = censored, 1 = event of interest, 2 = competing event. */
  status: 0 | 1 | 2;
}

export interface StateEstimate {
  estimate: number;
  /** Infinitesimal-jackknife standard error of the estimate (probability scale), as R's `std.err`. */
  stdErr: number;
  lower: number | null;
  upper: number | null;
}

export interface AalenJohansenRow {
  time: number;
  /** Number still event-free and under follow-up just before `time`. */
  nRisk: number;
  nEvent: number;
  nCompeting: number;
  nCensor: number;
  /** P(no event of either kind by time): the "(s0)" column of R's pstate. */
  eventFree: StateEstimate;
  /** Cumulative incidence of the event of interest (state "1"). */
  event: StateEstimate;
  /** Cumulative incidence of the competing event (state "2"). */
  competing: StateEstimate;
}

export interface AalenJohansenFit {
  n: number;
  confType: ConfType;
  confLevel: number;
  rows: AalenJohansenRow[];
}

export interface AalenJohansenOptions {
  confType?: ConfType;
  confLevel?: number;
}

function validate(data: readonly CompetingRiskObservation[]): void {
  data.forEach((observation, index) => {
    if (!Number.isFinite(observation.time)) {
      throw new RangeError(`observation ${index + 1}: time must be a finite number, got ${observation.time}`);
    }
    if (observation.status !== 0 && observation.status !== 1 && observation.status !== 2) {
      throw new RangeError(
        `observation ${index + 1}: status must be 0 (censored), 1 (event) or 2 (competing event), got ${String(observation.status)}`,
      );
    }
  });
}

/** Per-subject derivatives of (S, F₁, F₂) with respect to the subject's case weight. */
interface Influence {
  eventFree: Float64Array;
  event: Float64Array;
  competing: Float64Array;
}

function sumOfSquares(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return sum;
}

function stateEstimate(
  estimate: number,
  influence: Float64Array,
  confType: ConfType,
  z: number,
): StateEstimate {
  const stdErr = Math.sqrt(sumOfSquares(influence));
  return {
    estimate,
    stdErr,
    ...probabilityInterval(estimate, logScaleStdErr(estimate, stdErr), confType, z),
  };
}

/**
 * Aalen–Johansen estimate for competing risks with one starting state: event-free probability
 * S(t) = Π (1 − (d₁ᵢ + d₂ᵢ)/nᵢ) and cumulative incidences Fₖ(t) = Σ_{tᵢ ≤ t} S(tᵢ₋) dₖᵢ/nᵢ.
 * Standard errors by the infinitesimal jackknife: the derivative of each estimate with respect to
 * every subject's case weight, propagated exactly through the recursion, V = Σᵢ (∂P/∂wᵢ)².
 * Intervals as `probabilityInterval` on se/P. Aalen & Johansen (1978); matches R survival's
 * `survfit(Surv(time, factor(status)) ~ 1)` (pstate, std.err, lower, upper; survival 3.5).
 */
export function aalenJohansen(
  data: readonly CompetingRiskObservation[],
  options: AalenJohansenOptions = {},
): AalenJohansenFit {
  const confType = options.confType ?? 'log';
  const confLevel = options.confLevel ?? 0.95;
  const z = criticalValue(confLevel);
  validate(data);
  const subjects = [...data].sort((a, b) => a.time - b.time);
  const n = subjects.length;
  const influence: Influence = {
    eventFree: new Float64Array(n),
    event: new Float64Array(n),
    competing: new Float64Array(n),
  };
  const rows: AalenJohansenRow[] = [];
  let eventFree = 1;
  let event = 0;
  let competing = 0;
  let start = 0;
  while (start < n) {
    const time = subjects[start]?.time ?? Number.NaN;
    let end = start;
    const counts = [0, 0, 0];
    while (end < n && subjects[end]?.time === time) {
      const status = subjects[end]?.status ?? 0;
      counts[status] = (counts[status] ?? 0) + 1;
      end++;
    }
    const [nCensor = 0, nEvent = 0, nCompeting = 0] = counts;
    const nRisk = n - start;
    if (nEvent + nCompeting > 0) {
      updateInfluence(influence, subjects, start, end, { nRisk, nEvent, nCompeting, eventFree });
      event += (eventFree * nEvent) / nRisk;
      competing += (eventFree * nCompeting) / nRisk;
      eventFree *= (nRisk - nEvent - nCompeting) / nRisk;
    }
    rows.push({
      time,
      nRisk,
      nEvent,
      nCompeting,
      nCensor,
      eventFree: stateEstimate(eventFree, influence.eventFree, confType, z),
      event: stateEstimate(event, influence.event, confType, z),
      competing: stateEstimate(competing, influence.competing, confType, z),
    });
    start = end;
  }
  return { n, confType, confLevel, rows };
}

/**
 * One step of the weight-derivative recursion at an event time. With hazards hₖ = dₖ/n:
 * ∂hₖ/∂wᵢ = (δₖᵢ − hₖ Yᵢ)/n, ∂S⁺ = ∂S (1 − h) − S ∂h, ∂Fₖ⁺ = ∂Fₖ + ∂S hₖ + S ∂hₖ,
 * where Yᵢ = 1 for subjects still at risk (indices ≥ atRiskFrom) and δₖᵢ marks their event here.
 */
function updateInfluence(
  influence: Influence,
  subjects: readonly CompetingRiskObservation[],
  atRiskFrom: number,
  tiedEnd: number,
  step: { nRisk: number; nEvent: number; nCompeting: number; eventFree: number },
): void {
  const { nRisk, nEvent, nCompeting, eventFree } = step;
  const hazardEvent = nEvent / nRisk;
  const hazardCompeting = nCompeting / nRisk;
  const hazard = (nEvent + nCompeting) / nRisk;
  for (let i = 0; i < subjects.length; i++) {
    const atRisk = i >= atRiskFrom ? 1 : 0;
    const status = i < tiedEnd ? (subjects[i]?.status ?? 0) : 0;
    const isEvent = atRisk && status === 1 ? 1 : 0;
    const isCompeting = atRisk && status === 2 ? 1 : 0;
    const dEvent = (isEvent - hazardEvent * atRisk) / nRisk;
    const dCompeting = (isCompeting - hazardCompeting * atRisk) / nRisk;
    const dEventFree = influence.eventFree[i] ?? 0;
    influence.event[i] = (influence.event[i] ?? 0) + dEventFree * hazardEvent + eventFree * dEvent;
    influence.competing[i] =
      (influence.competing[i] ?? 0) + dEventFree * hazardCompeting + eventFree * dCompeting;
    influence.eventFree[i] = dEventFree * (1 - hazard) - eventFree * (dEvent + dCompeting);
  }
}

/** Aalen–Johansen per group: the strata of R's `survfit(Surv(time, factor(status)) ~ group)`. */
export function aalenJohansenByGroup(
  data: readonly (CompetingRiskObservation & { group: string })[],
  options: AalenJohansenOptions = {},
): GroupFit<AalenJohansenFit>[] {
  return splitByGroup(data).map(({ group, members }) => ({ group, fit: aalenJohansen(members, options) }));
}

/**
 * The step function's value at each requested time: the last row at or before t (the start values
 * S = 1, F = 0 before the first time), as R's summary(fit, times =) reads a survival curve.
 */
export function cumulativeIncidenceAt(
  fit: AalenJohansenFit,
  times: readonly number[],
): { time: number; event: number; competing: number; eventFree: number }[] {
  return times.map((time) => {
    const row = fit.rows.findLast((candidate) => candidate.time <= time);
    return {
      time,
      event: row?.event.estimate ?? 0,
      competing: row?.competing.estimate ?? 0,
      eventFree: row?.eventFree.estimate ?? 1,
    };
  });
}
