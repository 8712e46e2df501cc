import { describe, expect, it } from 'vitest';
import { convertUnit, isUcumUnit, roundTo } from './units.ts';

describe('UCUM conversion', () => {
  it('converts between mass concentrations by the prefixes alone', () => {
    expect(convertUnit(12.5, 'g/dL', 'g/L')).toEqual({ ok: true, value: 125 });
  });

  it('converts a count per microlitre to 10^9 per litre (4.5 thousand/µL = 4.5 × 10^9/L)', () => {
    const result = convertUnit(4.5, '10*3/uL', '10*9/L');
    expect(result.ok && roundTo(result.value, 6)).toBe(4.5);
  });

  it('converts creatinine 1.2 mg/dL to 106.1 µmol/L with its molar mass (113.12 g/mol)', () => {
    const result = convertUnit(1.2, 'mg/dL', 'umol/L', 113.12);
    expect(result.ok && roundTo(result.value, 1)).toBe(106.1);
  });

  it('converts bilirubin 1 mg/dL to 17.1 µmol/L with its molar mass (584.66 g/mol)', () => {
    const result = convertUnit(1, 'mg/dL', 'umol/L', 584.66);
    expect(result.ok && roundTo(result.value, 1)).toBe(17.1);
  });

  it('refuses mass to substance without a molar mass, and units of different kinds', () => {
    expect(convertUnit(1.2, 'mg/dL', 'umol/L').ok).toBe(false);
    const result = convertUnit(3, 'g/L', '10*9/L');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).not.toBe('');
  });

  it('keeps a value in its own unit as it is', () => {
    expect(convertUnit(0.1 + 0.2, 'U/L', 'U/L')).toEqual({ ok: true, value: 0.1 + 0.2 });
  });

  it('knows UCUM codes and refuses what is not one', () => {
    expect(isUcumUnit('10*9/L')).toBe(true);
    expect(isUcumUnit('mg/dL')).toBe(true);
    expect(isUcumUnit('milligrams')).toBe(false);
  });
});
