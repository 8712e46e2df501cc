import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const page = readFileSync(`${root}docs/compliance.md`, 'utf8');

/** The clauses the map must cover, kept here and not read from the page, so a dropped row fails. */
const requiredClauses = [
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'].map((letter) => `11.10(${letter})`),
  '11.50',
  '11.70',
  '11.100(a)',
  '11.100(b)',
  '11.100(c)',
  '11.200(a)',
  '11.200(b)',
  '11.300(a)',
  '11.300(b)',
  '11.300(c)',
  '11.300(d)',
  '11.300(e)',
  ...[
    '4',
    '5',
    '6',
    '7.1',
    '7.2',
    '8',
    '9',
    '10',
    '11',
    '12.1',
    '12.2',
    '12.3',
    '12.4',
    '13',
    '14',
    '15',
    '16',
    '17',
  ].map((section) => `A11 §${section}`),
  ...[
    '4.1',
    '4.2.1',
    '4.2.2',
    '4.2.3',
    '4.2.4',
    '4.2.5',
    '4.2.6',
    '4.2.7',
    '4.3.2',
    '4.3.3',
    '4.3.4',
    '4.3.5',
    '4.3.7',
  ].map((section) => `E6R3 ${section}`),
];

interface Row {
  clause: string;
  feature: string;
  tests: string[];
}

/** The rows of the page's tables: `| clause | requirement | feature | tests |`, header rows left out. */
function rows(markdown: string): Row[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| clause') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, '').trim());
      expect(cells, `a row of four cells: ${line}`).toHaveLength(4);
      const [clause = '', , feature = '', tests = ''] = cells;
      return { clause, feature, tests: [...tests.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '') };
    });
}

describe('docs/compliance.md', () => {
  const table = rows(page);

  it('has one row for every clause listed, and no clause twice', () => {
    const clauses = table.map((row) => row.clause);
    expect(clauses.filter((clause, index) => clauses.indexOf(clause) !== index)).toEqual([]);
    expect(requiredClauses.filter((clause) => !clauses.includes(clause))).toEqual([]);
    expect(table.length).toBeGreaterThanOrEqual(requiredClauses.length);
  });

  it('names only test files that exist', () => {
    const named = table.flatMap((row) => row.tests);
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((path) => !existsSync(`${root}${path}`))).toEqual([]);
  });

  it('backs every claim with a test, or says plainly that it is a gap or the organisation’s', () => {
    const unbacked = table.filter(
      (row) => row.tests.length === 0 && !/\*\*(Gap|Organisational)\*\*|^Not used/.test(row.feature),
    );
    expect(unbacked.map((row) => row.clause)).toEqual([]);
  });
});
