import { beforeAll, describe, expect, it } from 'vitest';
import { defaultProtocolPath, loadProtocolFile } from '../protocol/load.ts';
import {
  type DoseObservation,
  type InhalationThresholds,
  inhalationFlags,
  type VitalsReading,
} from './inhalation-flags.ts';

let thresholds: InhalationThresholds;
beforeAll(async () => {
  const loaded = await loadProtocolFile(defaultProtocolPath());
  if (!loaded.ok) throw new Error('the default protocol does not load');
  const declared = loaded.protocol.safety.inhalationEvents;
  if (!declared) throw new Error('the default protocol declares no inhalation events');
  thresholds = declared;
});

const start = new Date('2026-03-02T01:00:00Z');
const minutes = (count: number) => new Date(start.getTime() + count * 60_000);
const reading = (
  source: string,
  at: Date,
  values: Partial<Omit<VitalsReading, 'source' | 'assessedAt'>>,
): VitalsReading => ({
  source,
  assessedAt: at,
  spo2: values.spo2 ?? null,
  respiratoryRate: values.respiratoryRate ?? null,
  temperature: values.temperature ?? null,
  oxygenSupport: values.oxygenSupport ?? null,
  fio2: values.fio2 ?? null,
  peep: values.peep ?? null,
});
const pre = reading('day-1/pre-dose', minutes(-30), { spo2: 95, respiratoryRate: 20, temperature: 37.0 });
const dose = (after: VitalsReading[], extra: Partial<DoseObservation> = {}): DoseObservation => ({
  startedAt: start,
  endedAt: minutes(15),
  preDose: pre,
  after,
  bronchospasm: false,
  newCough: false,
  ...extra,
});
const kinds = (observation: DoseObservation) =>
  inhalationFlags(thresholds, observation).map((flag) => flag.kind);

describe('inhalation-associated event flags at the protocol’s thresholds', () => {
  it('uses the MEXCOVID defaults', () => {
    expect(thresholds).toMatchObject({
      observationMinutes: 120,
      spo2DropPoints: 3,
      spo2BelowPercent: 90,
      respiratoryRateRisePerMinute: 5,
      controlledVentilation: { oxygenSupport: ['imv', 'ecmo'], fio2RisePoints: 10, peepRiseCmH2O: 2 },
      fever: { celsius: 38, withinHours: 12 },
    });
  });

  it('SpO2: a fall of exactly 3 points flags, 2 points does not', () => {
    expect(kinds(dose([reading('post-30', minutes(45), { spo2: 92 })]))).toEqual(['spo2-drop']);
    expect(kinds(dose([reading('post-30', minutes(45), { spo2: 93 })]))).toEqual([]);
  });

  it('SpO2: 89% is below 90%, 90% is not (no pre-dose value needed)', () => {
    expect(kinds(dose([reading('post-30', minutes(45), { spo2: 89 })], { preDose: null }))).toEqual([
      'spo2-low',
    ]);
    expect(kinds(dose([reading('post-30', minutes(45), { spo2: 90 })], { preDose: null }))).toEqual([]);
  });

  it('SpO2: the fall counts at the end of the observation period and not a minute after', () => {
    // Ended at +15 min; observation lasts 120 min after the end: up to +135 min inclusive.
    expect(kinds(dose([reading('post-120', minutes(135), { spo2: 91 })]))).toEqual(['spo2-drop']);
    expect(kinds(dose([reading('later', minutes(136), { spo2: 91 })]))).toEqual([]);
  });

  it('flags the lowest reading once, with its values and a suggested term', () => {
    const flags = inhalationFlags(
      thresholds,
      dose([reading('post-30', minutes(45), { spo2: 91 }), reading('post-120', minutes(135), { spo2: 88 })]),
    );
    expect(flags).toEqual([
      expect.objectContaining({ kind: 'spo2-drop', observed: 88, baseline: 95, source: 'post-120' }),
      expect.objectContaining({ kind: 'spo2-low', observed: 88, threshold: 90 }),
    ]);
    expect(flags[0]?.suggestedTerm.en).toBe('Hypoxia');
    expect(flags[0]?.message.en).toContain('95% to 88%');
  });

  it('respiratory rate: a rise of exactly 5/min flags, 4/min does not', () => {
    expect(kinds(dose([reading('post-30', minutes(45), { respiratoryRate: 25 })]))).toEqual([
      'respiratory-rate-rise',
    ]);
    expect(kinds(dose([reading('post-30', minutes(45), { respiratoryRate: 24 })]))).toEqual([]);
  });

  it('fever: 38.0 °C flags, 37.9 °C does not; up to 12 hours after the start inclusive', () => {
    expect(kinds(dose([reading('post-30', minutes(45), { temperature: 38.0 })]))).toEqual(['fever']);
    expect(kinds(dose([reading('post-30', minutes(45), { temperature: 37.9 })]))).toEqual([]);
    expect(kinds(dose([reading('evening', minutes(720), { temperature: 38.4 })]))).toEqual(['fever']);
    expect(kinds(dose([reading('evening', minutes(721), { temperature: 38.4 })]))).toEqual([]);
  });

  it('readings before the start of the dose never flag', () => {
    expect(kinds(dose([reading('early', minutes(-1), { spo2: 80, temperature: 39 })]))).toEqual([]);
  });

  it('bronchospasm and new cough come from the bedside observation', () => {
    expect(kinds(dose([], { bronchospasm: true, newCough: true }))).toEqual(['bronchospasm', 'new-cough']);
    const withoutCough = { ...thresholds, newCough: false };
    expect(inhalationFlags(withoutCough, dose([], { newCough: true }))).toEqual([]);
  });

  describe('on controlled ventilation', () => {
    const ventilated = { oxygenSupport: 'imv', fio2: 40, peep: 8 } as const;
    const onVentilator = dose([], {
      preDose: reading('day-1/pre-dose', minutes(-30), { spo2: 95, respiratoryRate: 16, ...ventilated }),
    });
    const afterDose = (values: Parameters<typeof reading>[2]) =>
      kinds({ ...onVentilator, after: [reading('post-30', minutes(45), { ...ventilated, ...values })] });

    it('ignores the respiratory rate, which the ventilator sets', () => {
      expect(afterDose({ respiratoryRate: 28 })).toEqual([]);
    });

    it('FiO2: a rise of exactly 10 points flags, 9 does not', () => {
      expect(afterDose({ fio2: 50 })).toEqual(['fio2-rise']);
      expect(afterDose({ fio2: 49 })).toEqual([]);
    });

    it('PEEP: a rise of exactly 2 cmH2O flags, 1 does not', () => {
      expect(afterDose({ peep: 10 })).toEqual(['peep-rise']);
      expect(afterDose({ peep: 9 })).toEqual([]);
    });

    it('gives the escalation with its values and still flags SpO2', () => {
      const flags = inhalationFlags(thresholds, {
        ...onVentilator,
        after: [reading('post-30', minutes(45), { ...ventilated, spo2: 89, fio2: 60, peep: 12 })],
      });
      expect(flags.map((flag) => flag.kind)).toEqual(['spo2-drop', 'spo2-low', 'fio2-rise', 'peep-rise']);
      expect(flags[2]).toMatchObject({ observed: 60, baseline: 40, threshold: 10 });
      expect(flags[2]?.message.en).toContain('FiO2 was raised from 40% to 60%');
      expect(flags[3]).toMatchObject({ observed: 12, baseline: 8, threshold: 2 });
    });

    it('ECMO counts as controlled ventilation; a non-invasive ventilation reading does not', () => {
      expect(afterDose({ oxygenSupport: 'ecmo', respiratoryRate: 30, fio2: 55 })).toEqual(['fio2-rise']);
      // Extubated to NIV after the dose: settings of another device are not an escalation.
      expect(afterDose({ oxygenSupport: 'niv', fio2: 60, peep: 12 })).toEqual([]);
    });

    it('a patient breathing on their own before the dose is judged by the respiratory rate', () => {
      const breathing = reading('day-1/pre-dose', minutes(-30), {
        respiratoryRate: 20,
        oxygenSupport: 'hfno',
        fio2: 40,
      });
      const later = reading('post-30', minutes(45), { respiratoryRate: 26, oxygenSupport: 'hfno', fio2: 60 });
      expect(kinds(dose([later], { preDose: breathing }))).toEqual(['respiratory-rate-rise']);
      // A reading taken once on the ventilator says nothing about the own breathing rate.
      const intubated = reading('post-120', minutes(120), { respiratoryRate: 30, oxygenSupport: 'imv' });
      expect(kinds(dose([intubated], { preDose: breathing }))).toEqual([]);
    });

    it('protocols written before take the default controlled-ventilation thresholds', async () => {
      const { protocolSchema } = await import('../protocol/schema.ts');
      const loaded = await loadProtocolFile(defaultProtocolPath());
      if (!loaded.ok) throw new Error('the default protocol does not load');
      const { controlledVentilation: _dropped, ...older } = thresholds;
      const reparsed = protocolSchema.shape.safety.shape.inhalationEvents.parse(older);
      expect(reparsed?.controlledVentilation).toEqual({
        oxygenSupport: ['imv', 'ecmo'],
        fio2RisePoints: 10,
        peepRiseCmH2O: 2,
      });
    });
  });
});
