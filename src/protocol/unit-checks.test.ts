import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProtocolOnServer } from './unit-checks.ts';

const mexcovid = readFileSync(new URL('../../protocols/mexcovid.yaml', import.meta.url), 'utf8');

describe("a protocol's units (UCUM)", () => {
  it('accepts the default protocol, whose laboratory items list other units', () => {
    expect(parseProtocolOnServer(mexcovid).ok).toBe(true);
  });

  it('refuses another unit that does not convert to the item’s own, naming the item', () => {
    const broken = mexcovid.replace('        units: [g/dL]\n', '        units: [mmol/L]\n');
    const result = parseProtocolOnServer(broken);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([
      "'mmol/L' does not convert to 'g/L' (a mass to a substance concentration needs molarMass)",
    ]);
  });

  it('refuses a mass unit for a substance item without its molar mass', () => {
    const broken = mexcovid.replace('        molarMass: 113.12\n', '');
    const result = parseProtocolOnServer(broken);
    expect(result.ok ? [] : result.problems.map((problem) => problem.path)).toEqual([
      'forms[6].items[12].units[0]',
    ]);
  });

  it('refuses a code UCUM does not know', () => {
    const broken = mexcovid.replace('        units: [ukat/L]\n', '        units: [katal-per-litre]\n');
    const result = parseProtocolOnServer(broken);
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([
      "'katal-per-litre' is not a known UCUM unit",
    ]);
  });
});
