import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../protocol/schema.ts';
import { parseProtocolOnServer } from '../protocol/unit-checks.ts';
import { readFhirBundle } from './fhir-bundle.ts';
import { buildAck } from './hl7-ack.ts';
import { parseHl7Time, readOruMessage } from './hl7-oru.ts';
import { LabMessageRefused } from './lab-report.ts';
import {
  chooseVisit,
  fieldOf,
  itemsByLoinc,
  PlacementProblem,
  siteLocalTime,
  targetOf,
} from './placement.ts';

const text = readFileSync(new URL('../../protocols/mexcovid.yaml', import.meta.url), 'utf8');
const parsed = parseProtocolOnServer(text);
if (!parsed.ok) throw new Error('the MEXCOVID protocol does not validate');
const protocol: Protocol = parsed.protocol;

const oru = [
  'MSH|^~\\&|LIS|RUIJIN|EXOTRIAL|MEXCOVID|20261205083000+0800||ORU^R01^ORU_R01|MSG0001|P|2.5',
  'PID|1||X9^^^Y^PI~MRN-1001^^^RUIJIN^MR||Doe^John',
  'OBR|1||LAB1|CBC^Blood count|||202612050700+0800',
  'OBX|1|NM|731-0^Lymphocytes^LN||1.2|10*3/uL|1.0-3.0|N|||F',
  'OBX|2|NM|LYM%^Lymphocytes %^L^736-9^Lymphocytes/100 leukocytes^LN||21|%|||||F|||202612050730+0800',
  'OBX|3|NM|1742-6^ALT^LN||40|U/L|||||P',
].join('\r');

describe('HL7 v2 ORU^R01 mapping', () => {
  it('reads the control id, the MR identifier of PID-3, LOINC from OBX-3 (either triplet), units and times', () => {
    const report = readOruMessage(oru);
    expect(report.controlId).toBe('MSG0001');
    expect(report.sendingFacility).toBe('RUIJIN');
    // An HD given as its universal id only (an OID) names the facility by it.
    const byOid = readOruMessage(oru.replace('|LIS|RUIJIN|', '|LIS|^2.16.156.1.1^ISO|'));
    expect(byOid.sendingFacility).toBe('2.16.156.1.1');
    // OBX 3 is preliminary (P): not a value of the casebook, left out.
    expect(report.results).toEqual([
      {
        seq: 1,
        hospitalId: 'MRN-1001',
        loinc: '731-0',
        testName: 'Lymphocytes',
        value: '1.2',
        unit: '10*3/uL',
        collectedAt: { local: '2026-12-05T07:00', offsetMinutes: 480 },
      },
      {
        seq: 2,
        hospitalId: 'MRN-1001',
        loinc: '736-9',
        testName: 'Lymphocytes %',
        value: '21',
        unit: '%',
        collectedAt: { local: '2026-12-05T07:30', offsetMinutes: 480 },
      },
    ]);
  });

  it('refuses other message types with AR and bad content with AE, keeping the control id', () => {
    const adt = oru.replace('ORU^R01^ORU_R01', 'ADT^A01^ADT_A01');
    expect(() => readOruMessage(adt)).toThrow(/Only ORU\^R01 messages are taken; this one is ADT\^A01/);
    const refusal = (message: string) => {
      try {
        readOruMessage(message);
      } catch (error) {
        return error as LabMessageRefused;
      }
      throw new Error('not refused');
    };
    expect(refusal(adt)).toMatchObject({ ackCode: 'AR', controlId: 'MSG0001' });
    expect(refusal('hello')).toMatchObject({ ackCode: 'AR', controlId: null });
    expect(refusal(oru.replace('||1.2|', '||high|'))).toMatchObject({
      ackCode: 'AE',
      controlId: 'MSG0001',
      message: 'OBX 1 has value type NM but its value "high" is not a number.',
    });
    expect(refusal(oru.replace('202612050700+0800', '2026-12-05'))).toMatchObject({ ackCode: 'AE' });
  });

  it('parses HL7 times with and without an offset, and refuses impossible dates', () => {
    expect(parseHl7Time('20261205', 'x')).toEqual({ local: '2026-12-05', offsetMinutes: null });
    expect(parseHl7Time('202612050715', 'x')).toEqual({ local: '2026-12-05T07:15', offsetMinutes: null });
    expect(parseHl7Time('20261205071530.25-0330', 'x')).toEqual({
      local: '2026-12-05T07:15',
      offsetMinutes: -210,
    });
    expect(() => parseHl7Time('20261345', 'OBX-14')).toThrow(LabMessageRefused);
  });

  it('acknowledges with MSH swapped, MSA and, on an error, ERR with the text escaped', () => {
    const at = new Date('2026-12-05T01:00:00Z');
    const accepted = buildAck(oru, { code: 'AA', controlId: 'MSG0001', at, ackControlId: 'ACK-1' }).split(
      '\r',
    );
    expect(accepted).toEqual([
      'MSH|^~\\&|EXOTRIAL|MEXCOVID|LIS|RUIJIN|20261205010000+0000||ACK^R01^ACK|ACK-1|P|2.5',
      'MSA|AA|MSG0001|',
    ]);
    const error = buildAck(oru, {
      code: 'AE',
      controlId: 'MSG0001',
      text: 'bad | value ^ here',
      at,
      ackControlId: 'ACK-2',
    });
    expect(error.split('\r').slice(1)).toEqual([
      'MSA|AE|MSG0001|bad \\F\\ value \\S\\ here',
      'ERR|||207^Application internal error^HL70357|E||||bad \\F\\ value \\S\\ here',
    ]);
  });
});

describe('FHIR R4 bundle mapping', () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    identifier: { value: 'B-1' },
    entry: [
      {
        fullUrl: 'urn:uuid:p1',
        resource: {
          resourceType: 'Patient',
          identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'MRN-7' }],
        },
      },
      {
        fullUrl: 'urn:uuid:o1',
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
          subject: { reference: 'urn:uuid:p1' },
          effectiveDateTime: '2026-12-05T07:00:00+08:00',
          valueQuantity: { value: 13.2, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
        },
      },
    ],
  };

  it('reads LOINC, the UCUM code, the collection time and the subject through the bundle’s Patient', () => {
    expect(readFhirBundle(bundle)).toEqual({
      controlId: 'B-1',
      sendingFacility: null,
      results: [
        {
          seq: 1,
          hospitalId: 'MRN-7',
          loinc: '718-7',
          testName: 'Hemoglobin',
          value: '13.2',
          unit: 'g/dL',
          collectedAt: { local: '2026-12-05T07:00', offsetMinutes: 480 },
        },
      ],
    });
  });

  it('names the sending laboratory by its performers’ one identifier, none when they differ', () => {
    const observation = bundle.entry[1]?.resource as Record<string, unknown>;
    const withPerformer = (performer: unknown[], extra: unknown[] = []) => ({
      ...bundle,
      entry: [bundle.entry[0], { fullUrl: 'urn:uuid:o1', resource: { ...observation, performer } }, ...extra],
    });
    const organization = {
      fullUrl: 'urn:uuid:lab',
      resource: { resourceType: 'Organization', identifier: [{ value: 'RJ-LAB' }] },
    };
    expect(readFhirBundle(withPerformer([{ identifier: { value: 'RJ-LAB' } }])).sendingFacility).toBe(
      'RJ-LAB',
    );
    // A practitioner not in the bundle names no facility; the Organization does.
    const both = withPerformer(
      [{ reference: 'Practitioner/9' }, { reference: 'urn:uuid:lab' }],
      [organization],
    );
    expect(readFhirBundle(both).sendingFacility).toBe('RJ-LAB');
    const two = withPerformer(
      [{ reference: 'urn:uuid:lab' }, { identifier: { value: 'OTHER' } }],
      [organization],
    );
    expect(readFhirBundle(two).sendingFacility).toBeNull();
  });

  it('refuses a bundle of the wrong shape with the path of the problem', () => {
    expect(() => readFhirBundle({ ...bundle, entry: [] })).toThrow(
      'The bundle is not a FHIR R4 Bundle of Observations: entry: The bundle holds no entry.',
    );
    expect(() => readFhirBundle({ ...bundle, identifier: undefined })).toThrow(
      /neither an identifier nor an id/,
    );
  });
});

describe('placing a result', () => {
  it('finds each MEXCOVID laboratory item by its LOINC codes, each code once', () => {
    const byCode = itemsByLoinc(protocol);
    expect(targetOf(protocol, '26474-7').item.id).toBe('lymphocytes');
    expect(targetOf(protocol, '1975-2').item.id).toBe('bilirubin');
    expect(targetOf(protocol, '2703-7').form.id).toBe('bloodGas');
    expect([...byCode.values()].every((targets) => targets.length === 1)).toBe(true);
    expect(() => targetOf(protocol, '736-9')).toThrow(PlacementProblem);
  });

  it('takes units the item lists as they are, converts other UCUM units, refuses others', () => {
    const haemoglobin = targetOf(protocol, '718-7').item;
    expect(fieldOf({ value: '13.2', unit: 'g/dL' }, haemoglobin)).toEqual({ value: 13.2, unit: 'g/dL' });
    expect(fieldOf({ value: '1.32', unit: 'g/mL' }, haemoglobin)).toEqual({ value: 1320 });
    expect(() => fieldOf({ value: '<0.5', unit: 'g/dL' }, haemoglobin)).toThrow(/not a plain number/);
    expect(() => fieldOf({ value: '13', unit: 'mmol/L' }, haemoglobin)).toThrow(PlacementProblem);
    expect(() => fieldOf({ value: '13', unit: null }, haemoglobin)).toThrow(/gives no unit/);
  });

  it('moves a time with an offset to the site’s zone', () => {
    expect(siteLocalTime({ local: '2026-12-05T23:30', offsetMinutes: 0 }, 'Asia/Shanghai')).toBe(
      '2026-12-06T07:30',
    );
    expect(siteLocalTime({ local: '2026-12-05T07:30', offsetMinutes: null }, 'Asia/Shanghai')).toBe(
      '2026-12-05T07:30',
    );
  });

  it('chooses the visit whose window holds the date, the nearest target when windows overlap, and says when it cannot', () => {
    const labs = targetOf(protocol, '718-7').form;
    const enrolled = { day1Date: '2026-12-01', screeningDate: '2026-11-30' };
    // Day 3 is 2026-12-03, day 5 2026-12-05, day 7 2026-12-07 (window −2/+2 days).
    expect(chooseVisit(protocol, labs, enrolled, '2026-12-03').visitKey).toBe('day-3');
    expect(chooseVisit(protocol, labs, enrolled, '2026-12-08').visitKey).toBe('day-7');
    expect(chooseVisit(protocol, labs, enrolled, '2026-11-30').visitKey).toBe('screening');
    // Day 4 is one day from both day 3 and day 5 (their ±6 h windows reach the day beside them).
    expect(() => chooseVisit(protocol, labs, enrolled, '2026-12-04')).toThrow(/equally near day-3 and day-5/);
    expect(() => chooseVisit(protocol, labs, enrolled, '2026-12-20')).toThrow(/in no window/);
    const screening = { day1Date: null, screeningDate: '2026-11-30' };
    expect(chooseVisit(protocol, labs, screening, '2026-11-29').visitKey).toBe('screening');
    expect(() => chooseVisit(protocol, labs, screening, '2026-12-10')).toThrow(/not enrolled/);
  });
});
