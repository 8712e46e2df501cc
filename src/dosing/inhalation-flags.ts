import type { LocalizedText, Protocol } from '../protocol/schema.ts';

// Pure: the protocol's prespecified inhalation-associated events, flagged from a dose's vital signs.

export type InhalationThresholds = NonNullable<Protocol['safety']['inhalationEvents']>;

export interface VitalsReading {
  /** Where it was recorded, e.g. `day-1/post-30`. */
  source: string;
  assessedAt: Date;
  spo2: number | null;
  respiratoryRate: number | null;
  temperature: number | null;
  /** The vitals' oxygen support code (`imv`, `hfno`, …); null when not recorded. */
  oxygenSupport: string | null;
  /** FiO2 set on the device, in %. */
  fio2: number | null;
  /** PEEP set on the ventilator, in cmH2O. */
  peep: number | null;
}

export interface DoseObservation {
  startedAt: Date;
  /** Null while the nebulisation is running or when it was never ended. */
  endedAt: Date | null;
  preDose: VitalsReading | null;
  /** Every reading after the start of the dose (post-dose timepoints and any later vitals). */
  after: readonly VitalsReading[];
  bronchospasm: boolean;
  newCough: boolean;
}

export type InhalationFlagKind =
  | 'spo2-drop'
  | 'spo2-low'
  | 'respiratory-rate-rise'
  | 'fio2-rise'
  | 'peep-rise'
  | 'bronchospasm'
  | 'new-cough'
  | 'fever';

export interface InhalationFlag {
  kind: InhalationFlagKind;
  source: string | null;
  at: string | null;
  observed: number | null;
  baseline: number | null;
  threshold: number | null;
  message: LocalizedText;
  /** The adverse event term offered to the user (CTCAE v5 term where one fits). */
  suggestedTerm: LocalizedText;
}

const MINUTE = 60_000;

/**
 * Flags the prespecified events of one dose. Within the observation period (from the start of the dose
 * to `observationMinutes` after its end, both ends included): SpO2 that falls by at least
 * `spo2DropPoints` from the pre-dose value, SpO2 strictly below `spo2BelowPercent`, and the breathing
 * flags of `breathingFlags` (respiratory rate, or FiO2 and PEEP on controlled ventilation). Fever: a temperature of at least
 * `fever.celsius` within `fever.withinHours` of the start. Bronchospasm and new cough as observed at
 * the bedside, when the protocol lists them. One flag per kind: the most extreme reading.
 */
export function inhalationFlags(thresholds: InhalationThresholds, dose: DoseObservation): InhalationFlag[] {
  const start = dose.startedAt.getTime();
  const observationEnd = (dose.endedAt ?? dose.startedAt).getTime() + thresholds.observationMinutes * MINUTE;
  const feverEnd = start + thresholds.fever.withinHours * 60 * MINUTE;
  const within = (reading: VitalsReading, end: number) =>
    reading.assessedAt.getTime() >= start && reading.assessedAt.getTime() <= end;
  const observed = dose.after.filter((reading) => within(reading, observationEnd));
  const flags: InhalationFlag[] = [];
  const pre = dose.preDose;

  const lowestSpo2 = extreme(observed, 'spo2', 'min');
  if (lowestSpo2 && pre?.spo2 != null && pre.spo2 - lowestSpo2.value >= thresholds.spo2DropPoints) {
    flags.push({
      kind: 'spo2-drop',
      ...where(lowestSpo2.reading),
      observed: lowestSpo2.value,
      baseline: pre.spo2,
      threshold: thresholds.spo2DropPoints,
      message: {
        en: `SpO2 fell from ${pre.spo2}% to ${lowestSpo2.value}% (a fall of ${thresholds.spo2DropPoints} points or more).`,
        zh: `SpO2 由 ${pre.spo2}% 降至 ${lowestSpo2.value}%（下降 ≥ ${thresholds.spo2DropPoints} 个百分点）。`,
      },
      suggestedTerm: { en: 'Hypoxia', zh: '低氧血症' },
    });
  }
  if (lowestSpo2 && lowestSpo2.value < thresholds.spo2BelowPercent) {
    flags.push({
      kind: 'spo2-low',
      ...where(lowestSpo2.reading),
      observed: lowestSpo2.value,
      baseline: pre?.spo2 ?? null,
      threshold: thresholds.spo2BelowPercent,
      message: {
        en: `SpO2 ${lowestSpo2.value}% is below ${thresholds.spo2BelowPercent}%.`,
        zh: `SpO2 ${lowestSpo2.value}% 低于 ${thresholds.spo2BelowPercent}%。`,
      },
      suggestedTerm: { en: 'Hypoxia', zh: '低氧血症' },
    });
  }
  flags.push(...breathingFlags(thresholds, pre, observed));
  const febrile = extreme(
    dose.after.filter((reading) => within(reading, feverEnd)),
    'temperature',
    'max',
  );
  if (febrile && febrile.value >= thresholds.fever.celsius) {
    flags.push({
      kind: 'fever',
      ...where(febrile.reading),
      observed: febrile.value,
      baseline: pre?.temperature ?? null,
      threshold: thresholds.fever.celsius,
      message: {
        en: `Temperature ${febrile.value} °C within ${thresholds.fever.withinHours} hours of the dose (${thresholds.fever.celsius} °C or more).`,
        zh: `给药后 ${thresholds.fever.withinHours} 小时内体温 ${febrile.value} °C（≥ ${thresholds.fever.celsius} °C）。`,
      },
      suggestedTerm: { en: 'Fever', zh: '发热' },
    });
  }
  if (thresholds.bronchospasm && dose.bronchospasm) {
    flags.push(observedFlag('bronchospasm', { en: 'Bronchospasm', zh: '支气管痉挛' }));
  }
  if (thresholds.newCough && dose.newCough) {
    flags.push(observedFlag('new-cough', { en: 'Cough', zh: '咳嗽' }));
  }
  return flags;
}

/**
 * Breathing flags, by the respiratory support at the pre-dose reading. Breathing on their own: a respiratory
 * rate that rises by at least `respiratoryRateRisePerMinute` (readings on controlled ventilation left out).
 * On controlled ventilation the ventilator sets the rate, so it is ignored; escalation of support is the
 * sign instead: FiO2 up by at least `fio2RisePoints` or PEEP up by at least `peepRiseCmH2O`, each against
 * the pre-dose setting and among readings still on controlled ventilation.
 */
export function breathingFlags(
  thresholds: InhalationThresholds,
  pre: VitalsReading | null,
  observed: readonly VitalsReading[],
): InhalationFlag[] {
  const ventilation = thresholds.controlledVentilation;
  const controlled = (reading: VitalsReading) =>
    reading.oxygenSupport !== null && ventilation.oxygenSupport.includes(reading.oxygenSupport);
  if (pre && controlled(pre)) {
    const ventilated = observed.filter(controlled);
    return [
      rise('fio2-rise', pre, ventilated, 'fio2', ventilation.fio2RisePoints),
      rise('peep-rise', pre, ventilated, 'peep', ventilation.peepRiseCmH2O),
    ].filter((flag) => flag !== null);
  }
  const breathing = observed.filter((reading) => !controlled(reading));
  const flag = rise(
    'respiratory-rate-rise',
    pre,
    breathing,
    'respiratoryRate',
    thresholds.respiratoryRateRisePerMinute,
  );
  return flag ? [flag] : [];
}

const rises = {
  'respiratory-rate-rise': {
    term: { en: 'Tachypnoea', zh: '呼吸急促' },
    message: (from: number, to: number, by: number) => ({
      en: `Respiratory rate rose from ${from} to ${to}/min (a rise of ${by}/min or more).`,
      zh: `呼吸频率由 ${from} 升至 ${to} 次/分（升高 ≥ ${by} 次/分）。`,
    }),
  },
  'fio2-rise': {
    term: { en: 'Hypoxia', zh: '低氧血症' },
    message: (from: number, to: number, by: number) => ({
      en: `On controlled ventilation, FiO2 was raised from ${from}% to ${to}% (a rise of ${by} points or more).`,
      zh: `控制通气期间 FiO2 由 ${from}% 上调至 ${to}%（上调 ≥ ${by} 个百分点）。`,
    }),
  },
  'peep-rise': {
    term: { en: 'Hypoxia', zh: '低氧血症' },
    message: (from: number, to: number, by: number) => ({
      en: `On controlled ventilation, PEEP was raised from ${from} to ${to} cmH2O (a rise of ${by} cmH2O or more).`,
      zh: `控制通气期间 PEEP 由 ${from} 上调至 ${to} cmH2O（上调 ≥ ${by} cmH2O）。`,
    }),
  },
} as const;

/** A flag when the highest reading of `item` rose by at least `threshold` from the pre-dose reading. */
function rise(
  kind: keyof typeof rises,
  pre: VitalsReading | null,
  readings: readonly VitalsReading[],
  item: 'respiratoryRate' | 'fio2' | 'peep',
  threshold: number,
): InhalationFlag | null {
  const baseline = pre?.[item] ?? null;
  const highest = extreme(readings, item, 'max');
  if (baseline === null || !highest || highest.value - baseline < threshold) return null;
  return {
    kind,
    ...where(highest.reading),
    observed: highest.value,
    baseline,
    threshold,
    message: rises[kind].message(baseline, highest.value, threshold),
    suggestedTerm: rises[kind].term,
  };
}

function extreme(
  readings: readonly VitalsReading[],
  item: 'spo2' | 'respiratoryRate' | 'temperature' | 'fio2' | 'peep',
  direction: 'min' | 'max',
): { reading: VitalsReading; value: number } | null {
  let best: { reading: VitalsReading; value: number } | null = null;
  for (const reading of readings) {
    const value = reading[item];
    if (value === null) continue;
    if (!best || (direction === 'min' ? value < best.value : value > best.value)) best = { reading, value };
  }
  return best;
}

const where = (reading: VitalsReading) => ({ source: reading.source, at: reading.assessedAt.toISOString() });

function observedFlag(kind: 'bronchospasm' | 'new-cough', term: LocalizedText): InhalationFlag {
  return {
    kind,
    source: null,
    at: null,
    observed: null,
    baseline: null,
    threshold: null,
    message: {
      en: `${term.en} observed during or just after the nebulisation.`,
      zh: `雾化期间或雾化后即刻出现${term.zh}。`,
    },
    suggestedTerm: term,
  };
}
