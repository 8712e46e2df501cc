import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLine, csvLines, neutraliseCell } from './csv.ts';

describe('csvLines', () => {
  it('quotes commas, quotes and every kind of line break, so a reader gets each value back (raw)', () => {
    const values = [
      'plain',
      'a,b',
      'say "hi"',
      'two\nlines',
      'cr\ronly',
      'crlf\r\nend',
      '=1+2',
      '',
      12.5,
      -3,
    ];
    const text = csvLines([values, ['x']], 'raw');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parse(text, { relax_column_count: true })).toEqual([
      ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\ronly', 'crlf\r\nend', '=1+2', '', '12.5', '-3'],
      ['x'],
    ]);
  });

  it('writes null and undefined as empty cells, booleans as words and dates in ISO 8601', () => {
    expect(csvLine([null, undefined, true, false, new Date('2026-01-02T03:04:05.678Z')])).toBe(
      ',,true,false,2026-01-02T03:04:05.678Z\r\n',
    );
    expect(csvLines([])).toBe('');
  });

  it('neutralises text a spreadsheet would run as a formula, and nothing else', () => {
    const attacks = ['=1+2', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx', '＝1', '=HYPERLINK("http://x")'];
    const text = csvLines([[...attacks, '-3.5', '+2e3', 'plain - text', 'a=b', -3, 12.5]]);
    expect(parse(text)).toEqual([
      [...attacks.map((attack) => `'${attack}`), '-3.5', '+2e3', 'plain - text', 'a=b', '-3', '12.5'],
    ]);
    expect(parse(csvLines([attacks], 'raw'))).toEqual([attacks]);
    expect(neutraliseCell('-')).toBe("'-");
    expect(neutraliseCell('-.5')).toBe('-.5');
  });
});
