/**
 * Screening data of one eligible MEXCOVID patient, form by form (item ids as in
 * protocols/mexcovid.yaml): a 57-year-old man at sea level, SpO2 91% at rest on nasal oxygen,
 * PCR-positive sputum. Tests, the browser test and the demo generator start from it.
 */
export function eligibleScreeningForms(
  consentDate: string,
  assessedAt: string,
): Record<string, Record<string, unknown>> {
  return {
    informedConsent: {
      consentSigned: true,
      consentDate,
      signedBy: 'participant',
      consentVersion: '1.0',
      willingToReceive: true,
    },
    demographics: { birthDate: '1962-06-15', sex: 'M', weight: 70 },
    medicalHistory: { chronicLiverDisease: false },
    screening: {
      pneumoniaConfirmed: true,
      mechanicalVentilationForRespiratoryFailure: false,
      shock: false,
      organFailureNeedingIcu: false,
      productAllergy: false,
      otherPathogenPneumonia: false,
      obstructivePneumonia: false,
      carcinoidSyndrome: false,
      longTermImmunosuppressants: false,
      epilepsyContinuousAnticonvulsants: false,
      anticonvulsantsLast3Years: false,
      longTermOxygenTherapy: false,
      dialysis: false,
      valproicAcidExpected: false,
      otherInterventionalTrial: false,
    },
    vitals: {
      assessedAt,
      temperature: 38.2,
      heartRate: 96,
      respiratoryRate: 24,
      systolicBp: 128,
      diastolicBp: 78,
      spo2: 91,
      atRest: true,
      oxygenSupport: 'nasal-cannula',
      oxygenFlow: 3,
    },
    bloodGas: { pao2: 80, fio2: 33 },
    labs: { creatinine: 80 },
    chestCt: { viralPneumonia: true },
    rtPcr: { result: 'positive', specimen: 'sputum' },
  };
}

/** Vital signs before a dose, in range and passing every check. */
export function sampleVitals(assessedAt: string): Record<string, unknown> {
  return {
    assessedAt,
    temperature: 37.6,
    heartRate: 88,
    respiratoryRate: 22,
    systolicBp: 124,
    diastolicBp: 76,
    spo2: 93,
    atRest: true,
    oxygenSupport: 'nasal-cannula',
    oxygenFlow: 3,
  };
}
