import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../../protocol/schema.ts';
import { readProtocolFile } from '../../study/protocol-source.ts';
import { dmArms, treatmentOf } from './dm-arms.ts';

const file = (path: string) => fileURLToPath(new URL(`../../../protocols/${path}`, import.meta.url));
const enrolled = { status: 'enrolled', day1_date: '2026-12-01' } as const;
const screenFailed = { status: 'screen_failed', day1_date: null } as const;
const declined = { status: 'declined', day1_date: null } as const;

describe('DM arm variables (SDTMIG 3.3)', () => {
  let rct: Protocol;
  let singleArm: Protocol;
  beforeAll(async () => {
    rct = (await readProtocolFile(file('examples/mexcovid-rct.yaml'))).protocol;
    singleArm = (await readProtocolFile(file('mexcovid.yaml'))).protocol;
  });

  it('takes a randomised participant’s arm from the allocation; actual arm only once dosed', () => {
    const placebo = { participant: enrolled, allocatedArm: 'placebo' };
    expect(dmArms(rct, placebo, true, false)).toEqual({
      ARMCD: 'PLACEBO',
      ARM: 'Placebo (nebulised saline)',
      ACTARMCD: 'PLACEBO',
      ACTARM: 'Placebo (nebulised saline)',
      ARMNRS: null,
    });
    expect(dmArms(rct, { participant: enrolled, allocatedArm: 'mscs-exo' }, false, false)).toEqual({
      ARMCD: 'MSCS-EXO',
      ARM: 'MSCs-Exo aerosol inhalation',
      ACTARMCD: null,
      ACTARM: null,
      ARMNRS: 'ASSIGNED, NOT TREATED',
    });
  });

  it('gives null arms with the reason for screen failures, the unassigned and blinded readers', () => {
    const none = { ARMCD: null, ARM: null, ACTARMCD: null, ACTARM: null };
    expect(dmArms(rct, { participant: screenFailed }, false, false)).toEqual({
      ...none,
      ARMNRS: 'SCREEN FAILURE',
    });
    expect(dmArms(rct, { participant: declined }, false, true)).toEqual({ ...none, ARMNRS: 'NOT ASSIGNED' });
    // Enrolled without an allocation (cannot happen through the services): not assigned, never the first arm.
    expect(dmArms(rct, { participant: enrolled }, true, false)).toEqual({ ...none, ARMNRS: 'NOT ASSIGNED' });
    for (const treated of [true, false]) {
      expect(dmArms(rct, { participant: enrolled, allocatedArm: 'placebo' }, treated, true)).toEqual({
        ...none,
        ARMNRS: 'BLINDED',
      });
    }
  });

  it('keeps the single arm of a study that does not randomise, which blinding does not hide', () => {
    expect(dmArms(singleArm, { participant: enrolled }, true, true)).toMatchObject({
      ARMCD: 'MSCS-EXO',
      ACTARMCD: 'MSCS-EXO',
      ARMNRS: null,
    });
    expect(dmArms(singleArm, { participant: screenFailed }, false, false).ARMNRS).toBe('SCREEN FAILURE');
  });

  it('names the treatment of EX by arm, BLINDED for a blinded reader of a randomised study', () => {
    expect(treatmentOf(rct, { allocatedArm: 'placebo' }, false).name).toBe('Placebo (nebulised saline)');
    expect(treatmentOf(rct, { allocatedArm: 'placebo' }, false).regimen.dose.unit).toBe('mL');
    expect(treatmentOf(rct, { allocatedArm: 'mscs-exo' }, false).name).toBe('MSCs-Exo');
    expect(treatmentOf(rct, { allocatedArm: 'placebo' }, true).name).toBe('BLINDED');
    expect(treatmentOf(singleArm, {}, true).name).toBe('MSCs-Exo');
  });
});
