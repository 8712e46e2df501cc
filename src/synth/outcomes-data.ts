// Synthetic clinical course of one participant for the demo trial: daily clinical status (the items
// of the clinicalStatus form), laboratory values, chest CT and RT-PCR at their visits, in the item ids
// of protocols/mexcovid.yaml. Pure and seeded: the same seed gives the same trial. Improvers' labs
// recover (lymphocytes rise, CRP, IL-6 and D-dimer fall); non-improvers' and deaths' do not.

export type Random = () => number;

/** Mulberry32: a small, fast, seedable generator (uniform on [0, 1)). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type CourseKind = 'improver' | 'non-improver' | 'death';

/** One record to write: the visit key, form, instance (study day for daily status) and item values. */
export interface SyntheticRecord {
  visitKey: string;
  formId: string;
  instance: number;
  items: Record<string, unknown>;
}

export interface SyntheticCourse {
  kind: CourseKind;
  baselineCategory: number;
  /** Study day of discharge (improvers) or death; null for non-improvers kept to day 28. */
  endDay: number | null;
  /** The participant's final status and its date. */
  status: 'completed' | 'died';
  statusDate: string;
  records: SyntheticRecord[];
}

const MS_PER_DAY = 86_400_000;
const dateOf = (day1Date: string, day: number) =>
  new Date(Date.parse(`${day1Date}T00:00:00Z`) + (day - 1) * MS_PER_DAY).toISOString().slice(0, 10);

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const between = (random: Random, low: number, high: number) => low + (high - low) * random();
const integer = (random: Random, low: number, high: number) => Math.floor(between(random, low, high + 1));

function statusItems(category: number, assessedOn: string, random: Random): Record<string, unknown> {
  if (category === 7) return { assessedOn, died: true, deathDate: assessedOn };
  if (category <= 2) {
    return { assessedOn, died: false, hospitalised: false, normalActivities: category === 1 };
  }
  const icu = category === 6 || (category === 5 && random() < 0.3);
  return {
    assessedOn,
    died: false,
    hospitalised: true,
    supplementalOxygen: category >= 4,
    hfnoOrNiv: category === 5,
    invasiveVentilation: category === 6,
    ecmo: category === 6 && random() < 0.1,
    icu,
    vasoactiveDrugs: category === 6 && random() < 0.5,
    ...(icu ? { sofaScore: category === 6 ? integer(random, 6, 11) : integer(random, 3, 6) } : {}),
  };
}

/** Daily ordinal categories day 1…28 for a course; undefined after discharge (no record). */
function trajectory(kind: CourseKind, baseline: number, endDay: number | null, random: Random): number[] {
  const categories: number[] = [];
  for (let day = 1; day <= 28; day++) {
    if (kind === 'improver' && endDay !== null) {
      if (day > endDay) break;
      if (day === endDay) {
        categories.push(random() < 0.6 ? 2 : 1);
        break;
      }
      // Hold, then step down one category about every two days towards 3.
      const stepsLeft = Math.ceil((endDay - day) / 2);
      categories.push(Math.max(3, Math.min(baseline, 2 + stepsLeft)));
    } else if (kind === 'death' && endDay !== null) {
      if (day >= endDay) {
        categories.push(7);
        break;
      }
      categories.push(Math.min(6, baseline + Math.floor(day / Math.max(2, endDay / 2))));
    } else {
      categories.push(day > 10 && baseline > 4 && random() < 0.5 ? baseline - 1 : baseline);
    }
  }
  return categories;
}

interface LabProfile {
  lymphocytes: number;
  crp: number;
  il6: number;
  dDimer: number;
}

/** Lab values at a study day: improvers move from baseline towards normal, others worsen slowly. */
function labsAt(
  kind: CourseKind,
  baseline: LabProfile,
  day: number,
  random: Random,
): Record<string, unknown> {
  const progress = Math.min(1, Math.max(0, day) / 14);
  const recover = kind === 'improver';
  const noise = () => between(random, 0.9, 1.1);
  const lymphocytes = recover
    ? baseline.lymphocytes + (1.7 - baseline.lymphocytes) * progress
    : baseline.lymphocytes * (1 - 0.3 * progress);
  const crp = recover ? baseline.crp * (1 - 0.85 * progress) : baseline.crp * (1 + 0.4 * progress);
  const il6 = recover ? baseline.il6 * (1 - 0.8 * progress) : baseline.il6 * (1 + 0.8 * progress);
  const dDimer = recover ? baseline.dDimer * (1 - 0.6 * progress) : baseline.dDimer * (1 + 1.2 * progress);
  const wbc = between(random, 4, 11);
  return {
    wbc: round(wbc, 2),
    lymphocytes: round(Math.min(50, lymphocytes * noise()), 2),
    neutrophils: round(wbc * 0.7, 2),
    haemoglobin: integer(random, 110, 150),
    platelets: integer(random, 120, 350),
    crp: round(Math.min(500, crp * noise()), 1),
    il6: round(Math.min(10_000, il6 * noise()), 1),
    dDimer: round(Math.min(100, dDimer * noise()), 2),
    alt: integer(random, 15, 60),
    ast: integer(random, 15, 60),
    bilirubin: round(between(random, 6, 20), 1),
    creatinine: integer(random, 55, 110),
  };
}

const LAB_DAYS: readonly [string, number][] = [
  ['screening', 0],
  ['day-3', 3],
  ['day-5', 5],
  ['day-7', 7],
  ['day-14', 14],
  ['day-28', 28],
];

/**
 * One participant's clinical course from study day 0 (screening) to day 28 or an earlier discharge
 * or death: about 75% improve (discharged on days 6–24), 8% die (days 5–25), the rest stay in
 * hospital; about 3% of daily status days are left unrecorded, as happens on a ward.
 */
export function syntheticCourse(random: Random, day1Date: string): SyntheticCourse {
  const draw = random();
  const kind: CourseKind = draw < 0.75 ? 'improver' : draw < 0.83 ? 'death' : 'non-improver';
  const baselineDraw = random();
  const baselineCategory = baselineDraw < 0.45 ? 4 : baselineDraw < 0.8 ? 5 : 6;
  const endDay =
    kind === 'improver' ? integer(random, 6, 24) : kind === 'death' ? integer(random, 5, 25) : null;
  const records: SyntheticRecord[] = [
    {
      visitKey: 'screening',
      formId: 'clinicalStatus',
      instance: 1,
      items: statusItems(baselineCategory, dateOf(day1Date, 0), random),
    },
  ];
  const categories = trajectory(kind, baselineCategory, endDay, random);
  categories.forEach((category, index) => {
    const day = index + 1;
    const last = index === categories.length - 1;
    if (!last && random() < 0.03) return;
    records.push({
      visitKey: 'daily-status',
      formId: 'clinicalStatus',
      instance: day,
      items: statusItems(category, dateOf(day1Date, day), random),
    });
  });
  const inHospitalUntil = endDay ?? 28;
  const labBaseline: LabProfile = {
    lymphocytes: between(random, 0.5, 1.2),
    crp: between(random, 30, 120),
    il6: between(random, 10, 80),
    dDimer: between(random, 0.5, 3),
  };
  for (const [visitKey, day] of LAB_DAYS) {
    if (day > inHospitalUntil || (kind === 'death' && day >= inHospitalUntil)) continue;
    records.push({
      visitKey,
      formId: 'labs',
      instance: 1,
      items: { collectedOn: dateOf(day1Date, day), ...labsAt(kind, labBaseline, day, random) },
    });
  }
  for (const [visitKey, day] of [
    ['screening', 0],
    ['day-7', 7],
    ['day-28', 28],
  ] as const) {
    if (day > inHospitalUntil) continue;
    const lobes = integer(random, 2, 5);
    records.push({
      visitKey,
      formId: 'chestCt',
      instance: 1,
      items: {
        performedOn: dateOf(day1Date, day),
        viralPneumonia: true,
        lobesInvolved: lobes,
        changeFromPrevious:
          day === 0
            ? 'not-applicable'
            : kind === 'improver'
              ? 'improved'
              : random() < 0.5
                ? 'stable'
                : 'worse',
      },
    });
  }
  const clearanceDay = kind === 'improver' ? (random() < 0.6 ? 7 : 14) : random() < 0.3 ? 14 : null;
  for (const [visitKey, day] of [
    ['screening', 0],
    ['day-7', 7],
    ['day-14', 14],
  ] as const) {
    if (day > inHospitalUntil) continue;
    const negative = clearanceDay !== null && day >= clearanceDay;
    records.push({
      visitKey,
      formId: 'rtPcr',
      instance: 1,
      items: {
        collectedOn: dateOf(day1Date, day),
        specimen: 'sputum',
        result: negative ? 'negative' : 'positive',
        ...(negative ? {} : { ctValue: round(between(random, 18, 34), 1) }),
      },
    });
  }
  const status = kind === 'death' ? 'died' : 'completed';
  const statusDay = kind === 'death' ? (endDay ?? 28) : 28;
  return { kind, baselineCategory, endDay, status, statusDate: dateOf(day1Date, statusDay), records };
}

/** Study day 1 of the participant at `index` in a demo trial: enrolment spread over the weeks from `start`. */
export function day1DateFor(start: string, index: number, perDay = 3): string {
  return dateOf(start, 1 + Math.floor(index / perDay));
}
