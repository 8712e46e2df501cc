import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../../protocol/schema.ts';
import { readProtocolFile } from '../../study/protocol-source.ts';
import type { SdtmContext } from './context.ts';
import { buildTs, controlTypes } from './trial-design.ts';

const file = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

const ts = (protocol: Protocol) =>
  buildTs(
    {
      protocol,
      studyId: protocol.study.id,
      sites: new Map(),
      privacy: {} as SdtmContext['privacy'],
      visits: new Map(),
      armsBlinded: true,
    },
    { actualSubjects: 0, firstConsent: null },
  );
const parameter = (rows: ReturnType<typeof ts>, code: string) =>
  rows.filter((row) => row.TSPARMCD === code).map((row) => [row.TSVAL, row.TSVALCD, row.TSSEQ]);

describe('SDTM TS from the protocol', () => {
  let single: Protocol;
  let rct: Protocol;
  let infusion: Protocol;
  beforeAll(async () => {
    single = (await readProtocolFile(file('protocols/mexcovid.yaml'))).protocol;
    rct = (await readProtocolFile(file('protocols/examples/mexcovid-rct.yaml'))).protocol;
    infusion = (await readProtocolFile(file('test/fixtures/protocols/infusion-rct.yaml'))).protocol;
  });

  it('gives the control type (CDISC CT C66785) from the arms’ roles', () => {
    expect(parameter(ts(single), 'TCNTRL')).toEqual([['NONE', 'C41132', 1]]);
    expect(parameter(ts(rct), 'TCNTRL')).toEqual([['PLACEBO', 'C49648', 1]]);
    const both: Protocol = {
      ...rct,
      study: {
        ...rct.study,
        design: {
          ...rct.study.design,
          arms: [
            ...rct.study.design.arms,
            { id: 'standard', name: { en: 'Standard care', zh: '标准治疗' }, type: 'active-comparator' },
          ],
        },
      },
    };
    expect(controlTypes(both).map((control) => control.value)).toEqual(['PLACEBO', 'ACTIVE']);
    expect(parameter(ts(both), 'TCNTRL')).toEqual([
      ['PLACEBO', 'C49648', 1],
      ['ACTIVE', 'C49649', 2],
    ]);
  });

  it('states design, blinding, treatment and route as each protocol gives them', () => {
    const open = ts(single);
    expect(parameter(open, 'RANDOM')).toEqual([['N', null, 1]]);
    expect(parameter(open, 'TBLIND')).toEqual([['OPEN LABEL', null, 1]]);
    expect(parameter(open, 'ROUTE')).toEqual([['RESPIRATORY (INHALATION)', null, 1]]);
    expect(open.find((row) => row.TSPARMCD === 'REGID')).toMatchObject({
      TSVAL: 'NCT04276987',
      TSVCDREF: 'ClinicalTrials.gov',
    });
    const rows = ts(infusion);
    expect(parameter(rows, 'RANDOM')).toEqual([['Y', null, 1]]);
    expect(parameter(rows, 'TBLIND')).toEqual([['DOUBLE BLIND', null, 1]]);
    expect(parameter(rows, 'INTMODEL')).toEqual([['PARALLEL', null, 1]]);
    expect(parameter(rows, 'ROUTE')).toEqual([['INTRAVENOUS', null, 1]]);
    expect(parameter(rows, 'TRT')).toEqual([['TEST-IV', null, 1]]);
    expect(rows.find((row) => row.TSPARMCD === 'REGID')).toMatchObject({
      TSVAL: 'EXAMPLE-0002',
      TSVCDREF: null,
    });
  });
});
