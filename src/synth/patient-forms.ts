import type { FieldInput, MissingReason } from '../crf/entries.ts';
import type { DayState } from './clinical-course.ts';
import type { Random } from './random.ts';
import { eligibleScreeningForms } from './sample-patient.ts';

// Form values of synthetic MEXCOVID patients (item ids as in protocols/mexcovid.yaml), drawn around
// the published pilot's patients: adults with severe COVID-19 pneumonia on oxygen, a few ventilated.

/** Why a synthetic patient fails screening; each maps to the protocol criteria that decide against. */
export const screenFailures = [
  'age',
  'pcr-negative',
  'not-severe',
  'other-pathogen',
  'dialysis',
  'immunosuppressants',
  'pregnant',
  'other-trial',
  'unwilling',
] as const;
export type ScreenFailure = (typeof screenFailures)[number];

export const failureReasons: Record<ScreenFailure, string> = {
  age: 'Older than 75 years',
  'pcr-negative': 'SARS-CoV-2 RT-PCR negative',
  'not-severe': 'Not severe: SpO2 above 93% on room air, PaO2/FiO2 above 300',
  'other-pathogen': 'Bacterial pneumonia on sputum culture',
  dialysis: 'On haemodialysis for end-stage kidney disease',
  immunosuppressants: 'Long-term immunosuppressants after kidney transplant',
  pregnant: 'Pregnant',
  'other-trial': 'In another interventional trial within 30 days',
  unwilling: 'Not willing to receive the study treatment',
};

export type Category = DayState['category'];

export interface PatientProfile {
  sex: 'M' | 'F';
  birthDate: string;
  weight: number;
  height: number;
  baseline: 4 | 5 | 6;
  failure: ScreenFailure | null;
  hypertension: boolean;
  diabetes: boolean;
}

/** A value deliberately absent, with its missing-data code and reason. */
export class Missing {
  constructor(
    readonly code: MissingReason,
    readonly reason: string,
  ) {}
}
export type FormValues = Record<string, unknown>;

/** Plain values → the fields of a save request; undefined items are left out, Missing becomes a code. */
export function fieldsOf(values: FormValues): Record<string, FieldInput> {
  const fields: Record<string, FieldInput> = {};
  for (const [itemId, value] of Object.entries(values)) {
    if (value === undefined) continue;
    fields[itemId] =
      value instanceof Missing ? { missing: value.code, missingReason: value.reason } : { value };
  }
  return fields;
}

export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
/** A clock time on a date, as the forms store date-times (UTC). */
export const at = (date: string, time: string) => `${date}T${time}:00Z`;

export function makeProfile(
  random: Random,
  failure: ScreenFailure | null,
  referenceDate: string,
): PatientProfile {
  const sex = failure === 'pregnant' ? 'F' : random.chance(0.6) ? 'M' : 'F';
  const age =
    failure === 'age'
      ? random.int(76, 86)
      : failure === 'pregnant'
        ? random.int(24, 39)
        : random.normal(58, 11, 28, 74);
  // The last birthday fell 1 to 330 days before screening, so the age at consent is exactly `age`.
  const anniversary = `${Number(referenceDate.slice(0, 4)) - age}${referenceDate.slice(4)}`;
  const birthDate = addDays(anniversary, -random.int(1, 330));
  return {
    sex,
    birthDate,
    weight: random.normal(sex === 'M' ? 72 : 60, 10, 42, 120, 1),
    height: random.normal(sex === 'M' ? 170 : 158, 6, 145, 195),
    baseline: random.chance(0.7) ? 4 : random.chance(0.6) ? 5 : 6,
    failure,
    hypertension: random.chance(0.3),
    diabetes: random.chance(0.15),
  };
}

/** Oxygen support items of the vitals form for a category on the 7-point scale. */
function oxygenFields(random: Random, category: Category, ecmo: boolean): FormValues {
  if (category <= 3) return { oxygenSupport: 'none' };
  if (category === 4) {
    return random.chance(0.75)
      ? { oxygenSupport: 'nasal-cannula', oxygenFlow: random.int(2, 5) }
      : { oxygenSupport: 'mask', oxygenFlow: random.int(5, 10) };
  }
  if (category === 5) {
    return random.chance(0.6)
      ? { oxygenSupport: 'hfno', oxygenFlow: random.int(30, 60), fio2Setting: random.int(35, 60) }
      : { oxygenSupport: 'niv', fio2Setting: random.int(40, 70) };
  }
  const fio2Setting = random.int(40, 80);
  // PEEP follows FiO2 as in the ARDSNet low-PEEP table; taken from it so the seed's random sequence is unchanged.
  return { oxygenSupport: ecmo ? 'ecmo' : 'imv', fio2Setting, peep: 5 + Math.round((fio2Setting - 40) / 5) };
}

/** The FiO2 (%) a patient breathes under the given oxygen support. */
function inspiredOxygen(support: FormValues): number {
  if (typeof support.fio2Setting === 'number') return support.fio2Setting;
  if (support.oxygenSupport === 'nasal-cannula') return Math.min(45, 21 + 4 * Number(support.oxygenFlow));
  if (support.oxygenSupport === 'mask') return 40 + 2 * Number(support.oxygenFlow);
  return 21;
}

export interface VitalsOptions {
  /** A temperature above 41 °C: saved, and the soft edit check raises a query. */
  fever?: boolean;
  /** Screening of an eligible patient: SpO2 at rest ≤ 93% (criterion in5). */
  severe?: boolean;
}

export function vitals(
  random: Random,
  state: Pick<DayState, 'category' | 'ecmo'>,
  assessedAt: string,
  options: VitalsOptions = {},
): FormValues {
  const { category } = state;
  const systolic = random.normal(124, 12, 95, 170);
  const spo2 =
    category <= 3
      ? random.int(95, 99)
      : options.severe
        ? random.int(86, 93)
        : random.int(category === 4 ? 90 : 88, 96);
  return {
    assessedAt,
    temperature: options.fever ? random.decimal(41.1, 41.8, 1) : random.normal(37.4, 0.6, 36.0, 39.6, 1),
    heartRate: random.normal(92, 12, 55, 140),
    respiratoryRate: category === 6 ? random.int(14, 22) : random.int(category <= 3 ? 14 : 20, 30),
    systolicBp: systolic,
    diastolicBp: Math.min(systolic - 25, random.normal(76, 8, 50, 105)),
    spo2,
    atRest: true,
    ...oxygenFields(random, category, state.ecmo),
  };
}

/** A blood gas; the site's settings (altitude, barometric pressure) correct its PaO2/FiO2 ratio. */
export function bloodGas(random: Random, vitalsValues: FormValues): FormValues {
  const fio2 = inspiredOxygen(vitalsValues);
  const unwell = vitalsValues.oxygenSupport !== 'none';
  return {
    sampledAt: vitalsValues.assessedAt,
    ph: random.decimal(7.34, 7.48, 2),
    pao2: unwell ? random.int(55, 88) : random.int(80, 100),
    paco2: random.int(32, 46),
    fio2,
  };
}

/**
 * Laboratory values; `recovery` runs from 0 (admission) to 1 (recovered), below 0 for a patient who
 * worsens: lymphocytes rise with it, CRP, IL-6 and D-dimer fall.
 */
export function labs(random: Random, collectedOn: string, recovery: number): FormValues {
  const wbc = random.decimal(3.5, 11, 2);
  return {
    collectedOn,
    wbc,
    lymphocytes: random.decimal(0.4 + recovery, 0.9 + recovery, 2),
    neutrophils: Math.round(wbc * random.decimal(0.6, 0.85, 2) * 100) / 100,
    haemoglobin: random.int(105, 155),
    platelets: random.int(120, 380),
    crp: random.decimal(5 + 100 * (1 - recovery), 20 + 120 * (1 - recovery), 1),
    // IL-6 is sent out; now and then the sample does not make it.
    il6: random.chance(0.1)
      ? new Missing('not_done', 'Sample haemolysed')
      : random.decimal(3 + 40 * (1 - recovery), 20 + 70 * (1 - recovery), 1),
    dDimer: random.decimal(0.3, 3.5 - 2 * recovery, 2),
    alt: random.int(12, 70),
    ast: random.int(14, 75),
    bilirubin: random.decimal(5, 22, 1),
    creatinine: random.int(55, 110),
  };
}

export function chestCt(
  random: Random,
  performedOn: string,
  change: 'not-applicable' | 'improved' | 'stable' | 'worse',
): FormValues {
  const pattern = ['ground-glass', ...(random.chance(0.5) ? ['consolidation'] : [])];
  if (change === 'improved' && random.chance(0.4)) pattern.push('fibrosis');
  return {
    performedOn,
    viralPneumonia: true,
    pattern,
    lobesInvolved: change === 'improved' ? random.int(1, 4) : random.int(2, 5),
    changeFromPrevious: change,
  };
}

export function rtPcr(random: Random, collectedOn: string, positive: boolean): FormValues {
  return {
    collectedOn,
    specimen: random.pick(['sputum', 'nasopharyngeal-swab', 'oropharyngeal-swab'] as const),
    result: positive ? 'positive' : 'negative',
    ...(positive ? { ctValue: random.decimal(18, 34, 1) } : {}),
  };
}

export function clinicalStatus(state: DayState, assessedOn: string): FormValues {
  if (state.category === 7) return { assessedOn, died: true, deathDate: assessedOn };
  if (state.category <= 2) {
    return { assessedOn, died: false, hospitalised: false, normalActivities: state.category === 1 };
  }
  return {
    assessedOn,
    died: false,
    hospitalised: true,
    supplementalOxygen: state.category >= 4,
    hfnoOrNiv: state.category === 5,
    invasiveVentilation: state.category === 6,
    ecmo: state.ecmo,
    icu: state.icu,
    vasoactiveDrugs: state.vasoactive,
    ...(state.icu && state.sofa !== null ? { sofaScore: state.sofa } : {}),
  };
}

const medications = [
  ['Lopinavir/ritonavir', 'antiviral', 'COVID-19', '400/100 mg twice daily', 'oral'],
  ['Methylprednisolone', 'corticosteroid', 'COVID-19 pneumonia', '40 mg daily', 'intravenous'],
  ['Moxifloxacin', 'antibiotic', 'Prevention of bacterial infection', '400 mg daily', 'intravenous'],
  ['Enoxaparin', 'anticoagulant', 'Thromboprophylaxis', '40 mg daily', 'subcutaneous'],
  ['Lianhua Qingwen', 'traditional-chinese-medicine', 'COVID-19', '4 capsules three times daily', 'oral'],
  ['Thymalfasin', 'immunomodulator', 'COVID-19', '1.6 mg twice weekly', 'subcutaneous'],
] as const;

/** Concomitant medications at screening: log entries, one form instance each. */
export function conmeds(random: Random, profile: PatientProfile, screeningDate: string): FormValues[] {
  const chosen: Array<readonly [string, string, string, string, string]> = random
    .shuffle(medications)
    .slice(0, random.int(1, 3));
  if (profile.hypertension) chosen.push(['Amlodipine', 'other', 'Hypertension', '5 mg daily', 'oral']);
  if (profile.diabetes) chosen.push(['Metformin', 'other', 'Type 2 diabetes', '500 mg twice daily', 'oral']);
  return chosen.map(([medication, category, indication, dose, route]) => {
    const chronic = category === 'other';
    const ongoing = chronic || random.chance(0.7);
    return {
      medication,
      category,
      indication,
      dose,
      route,
      startDate: chronic
        ? addDays(screeningDate, -random.int(200, 2000))
        : addDays(screeningDate, -random.int(0, 4)),
      ongoing,
      ...(ongoing ? {} : { endDate: screeningDate }),
    };
  });
}

/**
 * The screening forms of a patient, eligible or failing on the criteria of `profile.failure`; built on
 * sample-patient.ts (the same eligible patient the API tests use) with this patient's values.
 */
export function screeningForms(
  random: Random,
  profile: PatientProfile,
  screeningDate: string,
  signer: 'participant' | 'representative',
): Record<string, FormValues> {
  const failure = profile.failure;
  const base = eligibleScreeningForms(screeningDate, at(screeningDate, '02:00'));
  const category = failure === 'not-severe' ? 3 : profile.baseline;
  const vitalsValues = vitals(random, { category, ecmo: false }, at(screeningDate, '02:00'), {
    severe: failure !== 'not-severe',
  });
  const renal = failure === 'dialysis';
  const labValues = labs(random, screeningDate, 0);
  if (renal) labValues.creatinine = random.int(620, 950);
  return {
    informedConsent: {
      ...base.informedConsent,
      signedBy: signer,
      willingToReceive: failure !== 'unwilling',
    },
    demographics: {
      birthDate: profile.birthDate,
      sex: profile.sex,
      ethnicity: random.chance(0.92) ? 'han' : 'other',
      weight: profile.weight,
      height: profile.height,
      smoking: random.pick(['never', 'never', 'former', 'current'] as const),
    },
    medicalHistory: {
      symptomOnsetDate: addDays(screeningDate, -random.int(5, 12)),
      hypertension: profile.hypertension,
      diabetes: profile.diabetes,
      coronaryHeartDisease: random.chance(0.08),
      heartFailure: false,
      chronicLungDisease: random.chance(0.06),
      chronicKidneyDisease: renal,
      chronicLiverDisease: false,
      malignancy: false,
      immunodeficiency: failure === 'immunosuppressants',
      ...(renal ? { otherConditions: 'End-stage kidney disease' } : {}),
    },
    screening: {
      ...base.screening,
      mechanicalVentilationForRespiratoryFailure: category === 6,
      organFailureNeedingIcu: false,
      otherPathogenPneumonia: failure === 'other-pathogen',
      longTermImmunosuppressants: failure === 'immunosuppressants',
      dialysis: renal,
      otherInterventionalTrial: failure === 'other-trial',
      ...(profile.sex === 'F' ? { pregnant: failure === 'pregnant', breastfeeding: false } : {}),
    },
    vitals: vitalsValues,
    bloodGas: bloodGas(random, vitalsValues),
    labs: labValues,
    chestCt: chestCt(random, screeningDate, 'not-applicable'),
    rtPcr: rtPcr(random, screeningDate, failure !== 'pcr-negative'),
  };
}
