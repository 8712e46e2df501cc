import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qualifierName, splitLongValues, splitText } from './supplemental.ts';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('splitText', () => {
  it('leaves text of at most 200 bytes whole', () => {
    expect(splitText('x'.repeat(200))).toEqual(['x'.repeat(200)]);
    expect(splitText('')).toEqual(['']);
  });

  it('cuts before the blank that ends the last whole word, so no piece ends in a blank', () => {
    const text = `${'word '.repeat(45)}tail`; // 229 bytes
    const [first = '', second = ''] = splitText(text);
    expect(first).toBe(`${'word '.repeat(39)}word`);
    expect(bytes(first)).toBe(199);
    expect(second).toBe(` ${'word '.repeat(5)}tail`);
  });

  it('cuts where the 200th byte ends a word', () => {
    const text = `${'a'.repeat(200)} b`;
    expect(splitText(text)).toEqual(['a'.repeat(200), ' b']);
  });

  it('cuts Chinese text between characters, 66 to a piece (3 bytes each)', () => {
    const text = '发热咳嗽'.repeat(42); // 168 characters, 504 bytes
    const pieces = splitText(text);
    expect(pieces.map((piece) => [...piece].length)).toEqual([66, 66, 36]);
    expect(pieces.join('')).toBe(text);
  });

  it('joins back to the text, each piece within the limit and valid UTF-8 (property)', () => {
    const unit = fc.constantFrom('a', 'Z', ' ', '\t', '°', '发', '，', '😀', 'é', '-');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 900 }), fc.integer({ min: 4, max: 200 }), (text, limit) => {
        const pieces = splitText(text, limit);
        expect(pieces.join('')).toBe(text);
        for (const piece of pieces) {
          expect(bytes(piece)).toBeLessThanOrEqual(limit);
          // A piece cut inside a surrogate pair would not survive UTF-8.
          expect(Buffer.from(piece, 'utf8').toString('utf8')).toBe(piece);
        }
        // A cut never leaves a piece ending in a blank unless the piece is nothing but blanks.
        for (const piece of pieces.slice(0, -1)) if (/\S/.test(piece)) expect(piece).toMatch(/\S$/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('qualifierName', () => {
  it('appends the counter, giving up last letters to stay within 8 characters', () => {
    expect(qualifierName('CM', 'CMTRT', 1)).toBe('CMTRT1');
    expect(qualifierName('CM', 'CMTRT', 12)).toBe('CMTRT12');
    expect(qualifierName('CM', 'CMDOSTXT', 1)).toBe('CMDOSTX1');
    expect(qualifierName('CM', 'CMDOSTXT', 10)).toBe('CMDOST10');
  });

  it('keeps two variables of a domain apart when their shortened names would meet', () => {
    expect(qualifierName('VS', 'VSORRES', 1)).toBe('VSORRES1');
    expect(qualifierName('VS', 'VSORRESU', 1)).toBe('VSORREU1');
    expect(qualifierName('LB', 'LBSTRESC', 1)).toBe('LBSTRES1');
    expect(qualifierName('LB', 'LBSTRESU', 1)).toBe('LBSTREU1');
  });
});

describe('splitLongValues', () => {
  it('moves the rest of each long value of any domain into SUPP-- records tied by --SEQ', () => {
    const term = `Severe headache ${'with photophobia '.repeat(15)}`.trim();
    const { rows, supplemental, continued } = splitLongValues('AE', [
      { STUDYID: 'S', DOMAIN: 'AE', USUBJID: 'S-001', AESEQ: 3, AETERM: term, AEREL: 'POSSIBLE' },
    ]);
    expect(rows[0]?.AEREL).toBe('POSSIBLE');
    expect(bytes(String(rows[0]?.AETERM))).toBeLessThanOrEqual(200);
    expect(supplemental).toEqual([
      {
        STUDYID: 'S',
        RDOMAIN: 'AE',
        USUBJID: 'S-001',
        IDVAR: 'AESEQ',
        IDVARVAL: '3',
        QNAM: 'AETERM1',
        QLABEL: 'Reported Term for the Adverse Event',
        QVAL: term.slice(String(rows[0]?.AETERM).length),
        QORIG: 'CRF',
        QEVAL: null,
      },
    ]);
    expect(continued).toEqual(new Map([['AETERM', 1]]));
  });

  it('ties DM records by USUBJID alone and SV records by VISITNUM', () => {
    const long = 'x'.repeat(250);
    const dm = splitLongValues('DM', [{ STUDYID: 'S', DOMAIN: 'DM', USUBJID: 'S-1', RACE: long }]);
    expect(dm.supplemental[0]).toMatchObject({ IDVAR: null, IDVARVAL: null, QNAM: 'RACE1' });
    const sv = splitLongValues('SV', [
      { STUDYID: 'S', DOMAIN: 'SV', USUBJID: 'S-1', VISITNUM: 2.001, VISIT: long },
    ]);
    expect(sv.supplemental[0]).toMatchObject({ IDVAR: 'VISITNUM', IDVARVAL: '2.001', QNAM: 'VISIT1' });
  });

  it('leaves rows of short values as they are', () => {
    const row = { STUDYID: 'S', DOMAIN: 'CM', USUBJID: 'S-1', CMSEQ: 1, CMTRT: 'Aspirin' };
    const split = splitLongValues('CM', [row]);
    expect(split.rows[0]).toBe(row);
    expect(split.supplemental).toEqual([]);
  });
});
