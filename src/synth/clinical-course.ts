import type { Random } from './random.ts';

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
