import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IBM_MAX, IBM_MIN, readIbmDouble, toIbmDouble } from './ibm-float.ts';
import { libraryHeader, memberHeader, writeXpt, type XptDataset, xptDateTime } from './xpt-writer.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const ascii = (bytes: Uint8Array, from: number, to: number) =>
  Buffer.from(bytes.subarray(from, to)).toString('latin1');

describe('IBM double', () => {
  it('encodes known values as in the literature', () => {
    // 1 = 0.1 (hex) × 16^1; −118.625 = −0.76A (hex) × 16^2 (the classic example); 0.1 rounds as IEEE did.
    expect(hex(toIbmDouble(1))).toBe('4110000000000000');
    expect(hex(toIbmDouble(-118.625))).toBe('c276a00000000000');
    expect(hex(toIbmDouble(0.1))).toBe('401999999999999a');
    expect(hex(toIbmDouble(0))).toBe('0000000000000000');
    expect(hex(toIbmDouble(16))).toBe('4210000000000000');
    expect(hex(toIbmDouble(0.5))).toBe('4080000000000000');
    expect(hex(toIbmDouble(Number.MAX_SAFE_INTEGER))).toBe('4e1fffffffffffff');
  });

  it('round-trips every double in range exactly', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -IBM_MAX, max: IBM_MAX }),
        (value) => {
          const back = readIbmDouble(toIbmDouble(value));
          if (Math.abs(value) < IBM_MIN) return back === 0;
          return back === value || (value === 0 && back === 0);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('keeps the fraction normalised: first hex digit non-zero', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: 1e-70, max: 1e70 }), (value) => {
        const bytes = toIbmDouble(value);
        return ((bytes[1] ?? 0) & 0xf0) !== 0;
      }),
    );
  });

  it('orders like the numbers for positive values (bytes compare as the values do)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-60, max: 1e60, noNaN: true }),
        fc.double({ min: 1e-60, max: 1e60, noNaN: true }),
        (a, b) => {
          const order = Buffer.compare(Buffer.from(toIbmDouble(a)), Buffer.from(toIbmDouble(b)));
          return Math.sign(order) === Math.sign(a - b);
        },
      ),
    );
  });

  it('refuses what IBM doubles cannot hold', () => {
    expect(() => toIbmDouble(Number.NaN)).toThrow(RangeError);
    expect(() => toIbmDouble(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => toIbmDouble(1e80)).toThrow(/too large/);
    expect(hex(toIbmDouble(1e-300))).toBe('0000000000000000');
  });
});

const created = new Date('2026-02-16T10:07:55Z');
const dm: XptDataset = {
  name: 'DM',
  label: 'Demographics',
  variables: [
    { name: 'USUBJID', label: 'Unique Subject Identifier', type: 'char', length: 20 },
    { name: 'AGE', label: 'Age', type: 'num', length: 8 },
  ],
};

describe('transport file layout (SAS TS-140)', () => {
  it('stamps dates as ddMMMyy:hh:mm:ss', () => {
    expect(xptDateTime(created)).toBe('16FEB26:10:07:55');
  });

  it('writes the library header records byte for byte', () => {
    const bytes = libraryHeader(created);
    expect(bytes.length).toBe(240);
    expect(ascii(bytes, 0, 80)).toBe(
      'HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  ',
    );
    expect(ascii(bytes, 80, 160)).toBe(`SAS     SAS     SASLIB  9.4     ${' '.repeat(32)}16FEB26:10:07:55`);
    expect(ascii(bytes, 160, 240)).toBe(`16FEB26:10:07:55${' '.repeat(64)}`);
  });

  it('writes member, descriptor and NAMESTR records', () => {
    const bytes = memberHeader(dm, created);
    // 5 header records, 2 NAMESTRs of 140 bytes padded to 320, the OBS header.
    expect(bytes.length).toBe(5 * 80 + 320 + 80);
    expect(ascii(bytes, 0, 80)).toBe(
      'HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  ',
    );
    expect(ascii(bytes, 80, 160)).toBe(
      'HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  ',
    );
    expect(ascii(bytes, 160, 240)).toBe(`SAS     DM      SASDATA 9.4     ${' '.repeat(32)}16FEB26:10:07:55`);
    expect(ascii(bytes, 240, 320)).toBe(
      `16FEB26:10:07:55${' '.repeat(16)}${'Demographics'.padEnd(40)}${' '.repeat(8)}`,
    );
    expect(ascii(bytes, 320, 400)).toBe(
      'HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000000200000000000000000000  ',
    );
    const first = Buffer.from(bytes.subarray(400, 540));
    expect(first.readInt16BE(0)).toBe(2); // character
    expect(first.readInt16BE(4)).toBe(20); // length
    expect(first.readInt16BE(6)).toBe(1); // variable number
    expect(first.toString('latin1', 8, 16)).toBe('USUBJID ');
    expect(first.toString('latin1', 16, 56)).toBe('Unique Subject Identifier'.padEnd(40));
    expect(first.readInt32BE(84)).toBe(0); // position in the observation
    const second = Buffer.from(bytes.subarray(540, 680));
    expect(second.readInt16BE(0)).toBe(1);
    expect(second.readInt16BE(4)).toBe(8);
    expect(second.readInt32BE(84)).toBe(20);
    expect(ascii(bytes, 680, 720)).toBe(' '.repeat(40));
    expect(ascii(bytes, 720, 800)).toBe(
      'HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  ',
    );
  });

  it('writes observations with blank-padded text and "." for missing numbers, padded to 80', () => {
    const bytes = writeXpt(
      dm,
      [
        ['MEXCOVID-RJ-001', 57],
        ['MEXCOVID-RJ-002', null],
      ],
      created,
    );
    const observations = bytes.subarray(240 + 800);
    expect(observations.length).toBe(80);
    expect(ascii(observations, 0, 20)).toBe('MEXCOVID-RJ-001     ');
    expect(hex(observations.subarray(20, 28))).toBe(hex(toIbmDouble(57)));
    expect(hex(observations.subarray(48, 56))).toBe('2e00000000000000');
    expect(ascii(observations, 56, 80)).toBe(' '.repeat(24));
  });

  it('refuses names, labels and lengths outside version 5 limits', () => {
    expect(() =>
      memberHeader(
        { ...dm, variables: [{ name: 'TOOLONGNAME', label: 'x', type: 'char', length: 1 }] },
        created,
      ),
    ).toThrow(/TOOLONGNAME/);
    expect(() =>
      memberHeader(
        { ...dm, variables: [{ name: 'X', label: 'x'.repeat(41), type: 'char', length: 1 }] },
        created,
      ),
    ).toThrow(/40/);
    expect(() =>
      memberHeader({ ...dm, variables: [{ name: 'X', label: 'x', type: 'char', length: 201 }] }, created),
    ).toThrow(/1–200/);
    expect(() => writeXpt(dm, [['x'.repeat(21), 1]], created)).toThrow(/longer than 20 bytes/);
  });
});
