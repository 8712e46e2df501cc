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
  thresholds = loaded.protocol.safety.inhalationEvents;
});

const start = new Date('2026-03-02T01:00:00Z');
const minutes = (count: number) => new Date(start.getTime() + count * 60_000);
const reading = (
  source: string,
  at: Date,
  values: Partial<Pick<VitalsReading, 'spo2' | 'respiratoryRate' | 'temperature'>>,
): VitalsReading => ({
  source,
  assessedAt: at,
  spo2: values.spo2 ?? null,
  respiratoryRate: values.respiratoryRate ?? null,
  temperature: values.temperature ?? null,
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
});
