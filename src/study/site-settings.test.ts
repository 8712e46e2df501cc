import { describe, expect, it } from 'vitest';
import { siteSettingsSchema } from './study.schema.ts';

const messages = (input: unknown) =>
  siteSettingsSchema.safeParse(input).error?.issues.map((issue) => issue.message);

describe('site settings', () => {
  it('take an altitude and a pressure, either of which may be unset', () => {
    expect(siteSettingsSchema.parse({ altitudeM: 3650, barometricPressureMmHg: 495 })).toEqual({
      altitudeM: 3650,
      barometricPressureMmHg: 495,
    });
    expect(siteSettingsSchema.safeParse({ altitudeM: 4, barometricPressureMmHg: null }).success).toBe(true);
    expect(siteSettingsSchema.safeParse({ altitudeM: null, barometricPressureMmHg: null }).success).toBe(
      true,
    );
  });

  it('need the pressure above 1000 m, where the PaO2/FiO2 correction uses it', () => {
    expect(messages({ altitudeM: 1001, barometricPressureMmHg: null })).toEqual([
      'Above 1000 m the PaO2/FiO2 ratio is corrected with the barometric pressure: give it too.',
    ]);
    expect(siteSettingsSchema.safeParse({ altitudeM: 1000, barometricPressureMmHg: null }).success).toBe(
      true,
    );
  });

  it('refuse values no hospital has, saying the range', () => {
    expect(messages({ altitudeM: 6000, barometricPressureMmHg: 350 })).toEqual([
      'The altitude must be between -500 and 5500 m.',
    ]);
    expect(messages({ altitudeM: 10.5, barometricPressureMmHg: 760 })).toEqual([
      'Give the altitude in whole metres.',
    ]);
    expect(messages({ altitudeM: 0, barometricPressureMmHg: 900 })).toEqual([
      'The barometric pressure must be between 350 and 800 mmHg.',
    ]);
  });
});
