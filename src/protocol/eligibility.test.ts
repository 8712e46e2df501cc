import { describe, expect, it } from 'vitest';
import { assessEligibility, deriveItemValues } from './eligibility.ts';
import { defaultProtocolPath, loadProtocolFile } from './load.ts';
import type { RuleValues } from './rules/ast.ts';
import type { Protocol } from './schema.ts';

const loaded = await loadProtocolFile(defaultProtocolPath());
if (!loaded.ok) throw new Error('the shipped protocol must be valid');
const protocol: Protocol = loaded.protocol;

/** A 57-year-old man at sea level, SpO2 91% at rest on nasal oxygen, PCR-positive sputum: eligible. */
const eligible: RuleValues = {
  'informedConsent.consentSigned': true,
  'informedConsent.consentDate': '2020-02-20',
  'informedConsent.willingToReceive': true,
  'demographics.birthDate': '1962-06-15',
  'demographics.sex': 'M',
  'demographics.weight': 70,
  'medicalHistory.chronicLiverDisease': false,
  'screening.pneumoniaConfirmed': true,
  'screening.mechanicalVentilationForRespiratoryFailure': false,
  'screening.shock': false,
  'screening.organFailureNeedingIcu': false,
  'screening.productAllergy': false,
  'screening.otherPathogenPneumonia': false,
  'screening.obstructivePneumonia': false,
  'screening.carcinoidSyndrome': false,
  'screening.longTermImmunosuppressants': false,
  'screening.epilepsyContinuousAnticonvulsants': false,
  'screening.anticonvulsantsLast3Years': false,
  'screening.longTermOxygenTherapy': false,
  'screening.dialysis': false,
  'screening.valproicAcidExpected': false,
  'screening.otherInterventionalTrial': false,
  'vitals.respiratoryRate': 24,
  'vitals.spo2': 91,
  'vitals.atRest': true,
  'bloodGas.pao2': 80,
  'bloodGas.fio2': 33,
  'site.altitude': 4,
  'labs.creatinine': 80,
  'chestCt.viralPneumonia': true,
  'rtPcr.result': 'positive',
  'rtPcr.specimen': 'sputum',
};

describe('derived items', () => {
  it('computes age, PaO2/FiO2 and Cockcroft-Gault clearance', () => {
    const derived = deriveItemValues(protocol, eligible);
    expect(derived['demographics.age']).toBe(57);
    expect(derived['bloodGas.pfRatio']).toBeCloseTo(242.4, 1);
    // (140 − 57) × 70 / (0.815 × 80)
    expect(derived['labs.creatinineClearance']).toBeCloseTo(89.1, 1);
  });

  it('prefers a measured clearance and corrects PaO2/FiO2 above 1000 m', () => {
    const derived = deriveItemValues(protocol, {
      ...eligible,
      'labs.creatinineClearanceMeasured': 12,
      'site.altitude': 3650,
      'site.barometricPressure': 495,
    });
    expect(derived['labs.creatinineClearance']).toBe(12);
    expect(derived['bloodGas.pfRatio']).toBeCloseTo((80 / 0.33) * (495 / 760), 3);
  });

  it('corrects with the altitude and pressure a blood gas saved before the site settings holds', () => {
    // Such a record keeps its own values, whatever the site's settings say now.
    const derived = deriveItemValues(protocol, {
      ...eligible,
      'bloodGas.altitude': 3650,
      'bloodGas.barometricPressure': 495,
      'site.altitude': 20,
      'site.barometricPressure': 758,
    });
    expect(derived['bloodGas.pfRatio']).toBeCloseTo((80 / 0.33) * (495 / 760), 3);
    const lowland = deriveItemValues(protocol, {
      ...eligible,
      'bloodGas.altitude': 4,
      'site.altitude': 3650,
    });
    expect(lowland['bloodGas.pfRatio']).toBeCloseTo(80 / 0.33, 3);
  });

  it('leaves the ratio unknown above 1000 m without a pressure, and uncorrected without any altitude', () => {
    const noPressure = deriveItemValues(protocol, { ...eligible, 'site.altitude': 3650 });
    expect(noPressure['bloodGas.pfRatio']).toBeNull();
    const { 'site.altitude': _altitude, ...noAltitude } = eligible;
    expect(deriveItemValues(protocol, noAltitude)['bloodGas.pfRatio']).toBeCloseTo(80 / 0.33, 3);
  });
});

describe('assessEligibility on the MEXCOVID criteria', () => {
  it('finds the sample patient eligible', () => {
    const assessment = assessEligibility(protocol, eligible);
    expect(assessment).toMatchObject({ status: 'eligible', failed: [], undecided: [] });
    expect(assessment.criteria).toHaveLength(18);
  });

  it.each<[string, RuleValues, string[]]>([
    ['no consent', { 'informedConsent.consentSigned': false }, ['in1']],
    ['aged 76', { 'demographics.birthDate': '1943-06-15' }, ['in2']],
    ['aged 17', { 'demographics.birthDate': '2002-06-15' }, ['in2']],
    ['PCR negative', { 'rtPcr.result': 'negative' }, ['in4']],
    ['PCR on stool only', { 'rtPcr.specimen': 'stool' }, ['in4']],
    ['not severe', { 'vitals.spo2': 95, 'bloodGas.pao2': 110 }, ['in5']],
    ['allergic to the product', { 'screening.productAllergy': true }, ['ex1']],
    ['on dialysis', { 'screening.dialysis': true }, ['ex8']],
    ['creatinine clearance 10 mL/min', { 'labs.creatinineClearanceMeasured': 10 }, ['ex9']],
    [
      'Child-Pugh 13',
      { 'medicalHistory.chronicLiverDisease': true, 'screening.childPughScore': 13 },
      ['ex10'],
    ],
    [
      'pregnant',
      { 'demographics.sex': 'F', 'screening.pregnant': true, 'screening.breastfeeding': false },
      ['ex12'],
    ],
    ['in another trial', { 'screening.otherInterventionalTrial': true }, ['ex13']],
    [
      'two reasons at once',
      { 'screening.carcinoidSyndrome': true, 'demographics.birthDate': '1930-01-01' },
      ['in2', 'ex4'],
    ],
  ])('finds a patient %s ineligible', (_name, change, failed) => {
    const assessment = assessEligibility(protocol, { ...eligible, ...change });
    expect(assessment.status).toBe('ineligible');
    expect(assessment.failed).toEqual(failed);
  });

  it('qualifies a critical patient with normal vitals (ventilated)', () => {
    const critical = {
      ...eligible,
      'vitals.spo2': 97,
      'bloodGas.pao2': 120,
      'screening.mechanicalVentilationForRespiratoryFailure': true,
    };
    expect(assessEligibility(protocol, critical).status).toBe('eligible');
  });

  it('stays incomplete while a deciding value is missing, and does not ask men about pregnancy', () => {
    const { 'screening.dialysis': _dialysis, ...withoutDialysis } = eligible;
    const assessment = assessEligibility(protocol, withoutDialysis);
    expect(assessment).toMatchObject({ status: 'incomplete', failed: [], undecided: ['ex8'] });
    const woman = assessEligibility(protocol, { ...eligible, 'demographics.sex': 'F' });
    expect(woman.undecided).toEqual(['ex12']);
    expect(
      assessEligibility(protocol, {
        ...eligible,
        'demographics.sex': 'F',
        'screening.pregnant': false,
        'screening.breastfeeding': false,
      }).status,
    ).toBe('eligible');
  });

  it('lets one failed criterion decide even with other values missing', () => {
    const assessment = assessEligibility(protocol, { 'screening.productAllergy': true });
    expect(assessment.status).toBe('ineligible');
    expect(assessment.failed).toEqual(['ex1']);
    expect(assessment.undecided.length).toBeGreaterThan(5);
  });
});

describe('eligibility over an RT-PCR series at screening', () => {
  const test = (result: string, specimen: string, collectedOn = '2020-02-20') => ({
    'rtPcr.collectedOn': collectedOn,
    'rtPcr.result': result,
    'rtPcr.specimen': specimen,
  });
  const withoutPcr: RuleValues = Object.fromEntries(
    Object.entries(eligible).filter(([key]) => !key.startsWith('rtPcr.')),
  );
  const in4 = (series: RuleValues[]) =>
    assessEligibility(protocol, withoutPcr, { rtPcr: series }).criteria.find((entry) => entry.id === 'in4')
      ?.result;

  it('is met by a positive respiratory test among negatives, in any order', () => {
    expect(in4([test('negative', 'sputum'), test('positive', 'sputum', '2020-02-21')])).toBe(true);
    expect(in4([test('positive', 'sputum'), test('negative', 'sputum', '2020-02-21')])).toBe(true);
    expect(assessEligibility(protocol, withoutPcr, { rtPcr: [test('positive', 'sputum')] }).status).toBe(
      'eligible',
    );
  });

  it('reads result and specimen from the same test', () => {
    // A positive stool test and a negative sputum test confirm no respiratory infection.
    expect(in4([test('positive', 'stool'), test('negative', 'sputum')])).toBe(false);
  });

  it('is not met when every test is negative, and undecided with a test still incomplete', () => {
    expect(in4([test('negative', 'sputum'), test('negative', 'nasopharyngeal-swab')])).toBe(false);
    expect(in4([test('negative', 'sputum'), { 'rtPcr.specimen': 'sputum' }])).toBe(null);
  });

  it('treats a form with no instance as missing, and a form not in the series as before', () => {
    expect(in4([])).toBe(null);
    expect(assessEligibility(protocol, eligible, {}).status).toBe('eligible');
  });
});
