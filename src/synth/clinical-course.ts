import {
  addDays,
  chestCt,
  clinicalStatus,
  type FormValues,
  labs,
  Missing,
  makeProfile,
  rtPcr,
} from './patient-forms.ts';
import type { Random } from './random.ts';

// The one model of a synthetic participant's clinical course: the demo trial writes its forms through
// the services, and the outcome and report tests read the same records as source rows.

/**
 * The day-by-day course of a synthetic inpatient on the WHO 7-category scale of protocols/mexcovid.yaml:
 * 3 in hospital without oxygen, 4 on oxygen, 5 on high-flow oxygen or NIV, 6 on invasive ventilation
 * or ECMO, 7 dead; discharge ends the daily record (2 or 1 on the discharge day).
 */
export interface DayState {
  day: number;
  category: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  icu: boolean;
  vasoactive: boolean;
  ecmo: boolean;
  sofa: number | null;
}

export type Fate = { kind: 'recovers' } | { kind: 'dies'; day: number };

const clampCategory = (value: number) => Math.min(6, Math.max(3, value)) as DayState['category'];

function stateOf(random: Random, day: number, category: DayState['category']): DayState {
  const icu = category >= 6 || (category === 5 && random.chance(0.4));
  return {
    day,
    category,
    icu,
    vasoactive: category >= 6 && random.chance(0.5),
    ecmo: category === 6 && random.chance(0.1),
    sofa: icu ? random.int(category >= 6 ? 6 : 3, category >= 6 ? 14 : 8) : null,
  };
}

/** Days 1…28 until discharge or death (the last state is the discharge or the death). */
export function clinicalCourse(random: Random, baseline: 4 | 5 | 6, fate: Fate): DayState[] {
  const days: DayState[] = [];
  let category: number = baseline;
  let daysAtThree = 0;
  for (let day = 1; day <= 28; day++) {
    if (fate.kind === 'dies') {
      if (day === fate.day) {
        days.push({ day, category: 7, icu: false, vasoactive: false, ecmo: false, sofa: null });
        return days;
      }
      // Worse towards the end.
      if (day >= fate.day - 4 && random.chance(0.6)) category += 1;
    } else if (day >= 2) {
      if (random.chance(0.3)) category -= 1;
      else if (random.chance(0.05)) category += 1;
    }
    const current = clampCategory(category);
    category = current;
    if (current === 3) daysAtThree += 1;
    // Discharge comes after the fifth and last dose at the earliest: the regimen is given in hospital.
    if (fate.kind === 'recovers' && day >= 6 && daysAtThree >= 2 && random.chance(0.5)) {
      days.push({
        day,
        category: random.chance(0.6) ? 2 : 1,
        icu: false,
        vasoactive: false,
        ecmo: false,
        sofa: null,
      });
      return days;
    }
    days.push(stateOf(random, day, current));
  }
  return days;
}

/** The state at screening (study day 0) in `category`. */
export function baselineState(random: Random, category: DayState['category']): DayState {
  return {
    day: 0,
    category,
    icu: category === 6,
    vasoactive: false,
    ecmo: false,
    sofa: category === 6 ? random.int(6, 11) : null,
  };
}

/** One form record of the course: a visit's form, its instance (the study day for daily status) and values. */
export interface CourseRecord {
  visitKey: string;
  formId: string;
  instance: number;
  values: FormValues;
}

export interface CourseDay {
  day: number;
  date: string;
  state: DayState;
  inHospital: boolean;
  /** Seen at the site (in hospital, or back for the day 7, 14 or 28 visit). */
  inPerson: boolean;
  /** The outcome forms of the day, in the order a site enters them. */
  records: CourseRecord[];
}

export interface ParticipantCourse {
  days: CourseDay[];
  deathDay: number | null;
  dischargeDay: number | null;
  /** Worse than at baseline on some day, without dying. */
  worsens: boolean;
}

const LAB_DAYS = [3, 5, 7, 14, 28];

/**
 * A participant's course from study day 1 to `lastDay` (or death): the daily clinical status while in
 * the daily record, labs on days 3, 5, 7, 14 and 28 when seen in person (improvers' labs recover by
 * discharge, deaths' worsen, the others' barely move), chest CT on days 7 and 28, RT-PCR on days 7 and 14
 * and, after a positive day 7, a series at the unscheduled visit until two negatives (repeatTests).
 */
export function participantCourse(
  random: Random,
  options: { baseline: 4 | 5 | 6; fate: Fate; day1Date: string; lastDay: number },
): ParticipantCourse {
  const course = clinicalCourse(random, options.baseline, options.fate);
  const last = course[course.length - 1] as DayState;
  const dischargeDay = last.category <= 2 ? course.length : null;
  const deathDay = options.fate.kind === 'dies' ? options.fate.day : null;
  const days: CourseDay[] = [];
  let series: { day: number; values: FormValues }[] = [];
  let unscheduledTests = 0;
  for (let day = 1; day <= options.lastDay; day++) {
    const date = addDays(options.day1Date, day - 1);
    const state = course[day - 1] ?? last;
    const inHospital = day <= course.length && state.category >= 3;
    const inPerson = inHospital || [7, 14, 28].includes(day);
    const records: CourseRecord[] = [];
    const record = (visitKey: string, formId: string, values: FormValues, instance = 1) =>
      records.push({ visitKey, formId, instance, values });
    if (day <= course.length) record('daily-status', 'clinicalStatus', clinicalStatus(state, date), day);
    days.push({ day, date, state, inHospital, inPerson, records });
    if (state.category === 7) break;
    const recovery =
      deathDay !== null
        ? -0.3 * Math.min(1, day / deathDay)
        : dischargeDay !== null
          ? Math.min(1, day / dischargeDay)
          : 0.3 * Math.min(1, day / 28);
    if (LAB_DAYS.includes(day) && inPerson) record(`day-${day}`, 'labs', labs(random, date, recovery));
    if (day === 7 || day === 28) {
      const change = state.category <= 3 ? 'improved' : random.pick(['stable', 'worse', 'improved'] as const);
      record(`day-${day}`, 'chestCt', chestCt(random, date, change));
    }
    if (day === 7 || day === 14) {
      const test = rtPcr(random, date, random.chance(day === 7 ? 0.5 : 0.15));
      record(`day-${day}`, 'rtPcr', test);
      if (day === 7) series = repeatTests(test, options.day1Date);
    }
    const repeat = series.find((entry) => entry.day === day);
    if (repeat && inHospital) record('unscheduled', 'rtPcr', repeat.values, ++unscheduledTests);
  }
  const worsens = deathDay === null && course.some((state) => state.category > options.baseline);
  return { days, deathDay, dischargeDay, worsens };
}

/**
 * The RT-PCR retests after a positive day-7 test, at the unscheduled visit every 2 days while in
 * hospital until two negatives 24 h apart (discharge needs them). No random draw, so the rest of the
 * course keeps its numbers: a higher Ct (less virus) clears sooner, from day 9 (Ct ≥ 30) to day 13.
 */
function repeatTests(day7: FormValues, day1Date: string): { day: number; values: FormValues }[] {
  if (day7.result !== 'positive' || typeof day7.ctValue !== 'number') return [];
  const clearedOn = 7 + 2 * Math.max(1, Math.min(3, Math.ceil((34 - day7.ctValue) / 4)));
  const tests: { day: number; values: FormValues }[] = [];
  for (let day = 9; day <= clearedOn + 2; day += 2) {
    const positive = day < clearedOn;
    tests.push({
      day,
      values: {
        collectedOn: addDays(day1Date, day - 1),
        specimen: day7.specimen,
        result: positive ? 'positive' : 'negative',
        // Ct rises as the viral load falls.
        ...(positive ? { ctValue: Math.min(40, Math.round((day7.ctValue + day - 7) * 10) / 10) } : {}),
      },
    });
  }
  return tests;
}

export interface SyntheticCourse {
  status: 'completed' | 'died';
  statusDate: string;
  /** The screening clinical status, then the course's records day by day. */
  records: CourseRecord[];
}

/** Form values with the items not done (a missing-data code) left out, as plain source values. */
function plainValues(values: FormValues): FormValues {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => !(value instanceof Missing)));
}

/**
 * An enrolled participant's whole course to day 28 from the same model the demo trial writes through
 * the services, for the tests and benchmarks that load outcome data directly: the patient profile of
 * patient-forms.ts, about 8% dying between days 8 and 20, the others recovering or staying in hospital.
 */
export function syntheticCourse(random: Random, day1Date: string): SyntheticCourse {
  const screeningDate = addDays(day1Date, -1);
  const { baseline } = makeProfile(random, null, screeningDate);
  const fate: Fate = random.chance(0.08) ? { kind: 'dies', day: random.int(8, 20) } : { kind: 'recovers' };
  const screening: CourseRecord = {
    visitKey: 'screening',
    formId: 'clinicalStatus',
    instance: 1,
    values: clinicalStatus(baselineState(random, baseline), screeningDate),
  };
  const course = participantCourse(random, { baseline, fate, day1Date, lastDay: 28 });
  return {
    status: course.deathDay === null ? 'completed' : 'died',
    statusDate: addDays(day1Date, (course.deathDay ?? 28) - 1),
    records: [screening, ...course.days.flatMap((day) => day.records)].map((record) => ({
      ...record,
      values: plainValues(record.values),
    })),
  };
}
