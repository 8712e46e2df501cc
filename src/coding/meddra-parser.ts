import { dictionaryFileError, linesOf, type NumberedLine } from './dictionary-files.ts';

// The MedDRA ASCII distribution (the MedAscii folder of a release): each record one line, fields
// separated by `$` and the line ended by a `$`. Field order as the MedDRA "Distribution File Format"
// document gives it; only the fields exotrial uses are named, the others (WHO-ART, HARTS, COSTART,
// ICD-9, ICD-9-CM, ICD-10 and J-ART codes, kept empty in current releases) are counted but not read.

export const meddraFiles = [
  'soc.asc',
  'hlgt.asc',
  'hlt.asc',
  'pt.asc',
  'llt.asc',
  'soc_hlgt.asc',
  'hlgt_hlt.asc',
  'hlt_pt.asc',
  'mdhier.asc',
] as const;
export type MeddraFile = (typeof meddraFiles)[number];

/** The fields of each file, in order; `_` marks a field read for its position only. */
const layouts: Record<MeddraFile, readonly string[]> = {
  'soc.asc': ['soc_code', 'soc_name', 'soc_abbrev', '_', '_', '_', '_', '_', '_', '_'],
  'hlgt.asc': ['hlgt_code', 'hlgt_name', '_', '_', '_', '_', '_', '_', '_'],
  'hlt.asc': ['hlt_code', 'hlt_name', '_', '_', '_', '_', '_', '_', '_'],
  'pt.asc': ['pt_code', 'pt_name', '_', 'pt_soc_code', '_', '_', '_', '_', '_', '_', '_'],
  'llt.asc': ['llt_code', 'llt_name', 'pt_code', '_', '_', '_', '_', '_', '_', 'llt_currency', '_'],
  'soc_hlgt.asc': ['soc_code', 'hlgt_code'],
  'hlgt_hlt.asc': ['hlgt_code', 'hlt_code'],
  'hlt_pt.asc': ['hlt_code', 'pt_code'],
  'mdhier.asc': [
    'pt_code',
    'hlt_code',
    'hlgt_code',
    'soc_code',
    'pt_name',
    'hlt_name',
    'hlgt_name',
    'soc_name',
    'soc_abbrev',
    '_',
    'pt_soc_code',
    'primary_soc_fg',
  ],
};

const CODE = /^\d{8}$/;
const FLAG = /^[YN]$/;

type Fields = Record<string, string>;
interface Row {
  line: number;
  fields: Fields;
}

/** Splits one `$`-separated record, checking the field count, the trailing `$`, codes, flags and names. */
function recordOf(file: MeddraFile, entry: NumberedLine): Row {
  const layout = layouts[file];
  if (!entry.text.endsWith('$')) {
    throw dictionaryFileError(
      file,
      entry.line,
      'does not end with "$"; each record ends with a "$" after its last field.',
    );
  }
  const values = entry.text.slice(0, -1).split('$');
  if (values.length !== layout.length) {
    throw dictionaryFileError(
      file,
      entry.line,
      `has ${values.length} fields where ${file} has ${layout.length} (${layout.filter((name) => name !== '_').join(', ')}, …).`,
    );
  }
  const fields: Fields = {};
  layout.forEach((name, index) => {
    const value = (values[index] ?? '').trim();
    if (name === '_') return;
    if (name.endsWith('_code') && !CODE.test(value)) {
      throw dictionaryFileError(file, entry.line, `${name} "${value}" is not an 8-digit MedDRA code.`);
    }
    if ((name === 'llt_currency' || name === 'primary_soc_fg') && !FLAG.test(value)) {
      throw dictionaryFileError(file, entry.line, `${name} "${value}" is neither Y nor N.`);
    }
    if (name.endsWith('_name') && value === '') {
      throw dictionaryFileError(file, entry.line, `${name} is empty.`);
    }
    fields[name] = value;
  });
  return { line: entry.line, fields };
}

function rowsOf(file: MeddraFile, bytes: Uint8Array): Row[] {
  const rows = linesOf(file, bytes).map((entry) => recordOf(file, entry));
  if (rows.length === 0) throw dictionaryFileError(file, 0, 'holds no records.');
  return rows;
}

export interface MeddraTermRecord {
  code: string;
  name: string;
}
export interface MeddraLltRecord extends MeddraTermRecord {
  ptCode: string;
  current: boolean;
}
export interface MeddraPath {
  ptCode: string;
  hltCode: string;
  hlgtCode: string;
  socCode: string;
}

/** A MedDRA release (in one language), checked whole: every reference names a term the release holds. */
export interface MeddraRelease {
  soc: MeddraTermRecord[];
  hlgt: MeddraTermRecord[];
  hlt: MeddraTermRecord[];
  pt: MeddraTermRecord[];
  llt: MeddraLltRecord[];
  /** Each PT's primary path, from mdhier.asc (primary_soc_fg = Y). */
  primaryPaths: MeddraPath[];
  /** The link-file rows, counted for the import's summary. */
  links: number;
}

/** Terms of one level by code; a code twice in its file is refused at its second line. */
function termsOf(file: MeddraFile, rows: Row[], level: string): Map<string, MeddraTermRecord> {
  const terms = new Map<string, MeddraTermRecord>();
  for (const row of rows) {
    const code = row.fields[`${level}_code`] ?? '';
    if (terms.has(code))
      throw dictionaryFileError(file, row.line, `${level}_code ${code} appears a second time.`);
    terms.set(code, { code, name: row.fields[`${level}_name`] ?? '' });
  }
  return terms;
}

function requireKnown(file: MeddraFile, row: Row, field: string, known: Map<string, unknown>, where: string) {
  const code = row.fields[field] ?? '';
  if (!known.has(code)) throw dictionaryFileError(file, row.line, `${field} ${code} is not in ${where}.`);
}

/**
 * Parses and cross-checks the nine files of a release. Pure: the caller reads the files (so a missing
 * one is reported before any parsing) and imports the result in one transaction.
 */
export function parseMeddra(files: Record<MeddraFile, Uint8Array>): MeddraRelease {
  const soc = termsOf('soc.asc', rowsOf('soc.asc', files['soc.asc']), 'soc');
  const hlgt = termsOf('hlgt.asc', rowsOf('hlgt.asc', files['hlgt.asc']), 'hlgt');
  const hlt = termsOf('hlt.asc', rowsOf('hlt.asc', files['hlt.asc']), 'hlt');
  const ptRows = rowsOf('pt.asc', files['pt.asc']);
  const pt = termsOf('pt.asc', ptRows, 'pt');
  for (const row of ptRows) requireKnown('pt.asc', row, 'pt_soc_code', soc, 'soc.asc');
  const lltRows = rowsOf('llt.asc', files['llt.asc']);
  termsOf('llt.asc', lltRows, 'llt'); // refuses an LLT code given twice
  for (const row of lltRows) requireKnown('llt.asc', row, 'pt_code', pt, 'pt.asc');
  let links = 0;
  const linkChecks: Array<[MeddraFile, string, Map<string, unknown>, string, Map<string, unknown>]> = [
    ['soc_hlgt.asc', 'soc_code', soc, 'hlgt_code', hlgt],
    ['hlgt_hlt.asc', 'hlgt_code', hlgt, 'hlt_code', hlt],
    ['hlt_pt.asc', 'hlt_code', hlt, 'pt_code', pt],
  ];
  for (const [file, upper, upperTerms, lower, lowerTerms] of linkChecks) {
    for (const row of rowsOf(file, files[file])) {
      requireKnown(file, row, upper, upperTerms, `${upper.split('_')[0]}.asc`);
      requireKnown(file, row, lower, lowerTerms, `${lower.split('_')[0]}.asc`);
      links += 1;
    }
  }
  const primaryPaths = primaryPathsOf(rowsOf('mdhier.asc', files['mdhier.asc']), { soc, hlgt, hlt, pt });
  return {
    soc: [...soc.values()],
    hlgt: [...hlgt.values()],
    hlt: [...hlt.values()],
    pt: [...pt.values()],
    llt: lltRows.map((row) => ({
      code: row.fields.llt_code ?? '',
      name: row.fields.llt_name ?? '',
      ptCode: row.fields.pt_code ?? '',
      current: row.fields.llt_currency === 'Y',
    })),
    primaryPaths,
    links,
  };
}

/** One primary path per PT: a PT with none, or with two, is refused. */
function primaryPathsOf(
  rows: Row[],
  terms: Record<'soc' | 'hlgt' | 'hlt' | 'pt', Map<string, unknown>>,
): MeddraPath[] {
  const paths = new Map<string, MeddraPath>();
  for (const row of rows) {
    for (const level of ['pt', 'hlt', 'hlgt', 'soc'] as const) {
      requireKnown('mdhier.asc', row, `${level}_code`, terms[level], `${level}.asc`);
    }
    if (row.fields.primary_soc_fg !== 'Y') continue;
    const ptCode = row.fields.pt_code ?? '';
    if (paths.has(ptCode)) {
      throw dictionaryFileError(
        'mdhier.asc',
        row.line,
        `PT ${ptCode} has a second primary path (primary_soc_fg = Y).`,
      );
    }
    paths.set(ptCode, {
      ptCode,
      hltCode: row.fields.hlt_code ?? '',
      hlgtCode: row.fields.hlgt_code ?? '',
      socCode: row.fields.soc_code ?? '',
    });
  }
  for (const ptCode of terms.pt.keys()) {
    if (!paths.has(ptCode)) {
      throw dictionaryFileError(
        'mdhier.asc',
        0,
        `PT ${ptCode} of pt.asc has no primary path (a row with primary_soc_fg = Y).`,
      );
    }
  }
  return [...paths.values()];
}
