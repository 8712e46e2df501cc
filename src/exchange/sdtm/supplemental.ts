import {
  isSuppCode,
  parentOf,
  type SdtmDatasetCode,
  type SdtmDomain,
  type SdtmRow,
  type SdtmVariable,
  type SubjectDomainCode,
  type SuppCode,
  sdtmDomains,
} from './variables.ts';

// Text longer than a SAS transport file holds, as SDTMIG 3.3 §4.5.3.2 ("Text strings that exceed the
// maximum length for variable values") says: the parent variable keeps the first 200 bytes, cut
// between words where it can be, and each further piece of at most 200 bytes is a record of the
// supplemental qualifier data set SUPP--, QNAM the parent's name with a counter (CMTRT1, CMTRT2, …),
// QLABEL the parent's label. The pieces joined in QNAM order give back the text exactly: a cut falls
// before a blank, so a piece never ends in the blanks that transport files cannot tell from padding.

/** Bytes a character value may hold in a SAS transport version 5 file. */
export const XPT_TEXT_LIMIT = 200;

const suppVariables: SdtmVariable[] = [
  ['STUDYID', 'Study Identifier', 'Assigned'],
  ['RDOMAIN', 'Related Domain Abbreviation', 'Assigned'],
  ['USUBJID', 'Unique Subject Identifier', 'Derived'],
  ['IDVAR', 'Identifying Variable', 'Assigned'],
  ['IDVARVAL', 'Identifying Variable Value', 'Derived'],
  ['QNAM', 'Qualifier Variable Name', 'Assigned'],
  ['QLABEL', 'Qualifier Variable Label', 'Assigned'],
  ['QVAL', 'Data Value', 'Collected'],
  ['QORIG', 'Origin', 'Assigned'],
  ['QEVAL', 'Evaluator', 'Assigned'],
].map(([name, label, origin]) => ({
  name: name as string,
  label: label as string,
  type: 'char',
  origin: origin as SdtmVariable['origin'],
}));

/** The SUPP-- data set of a domain (SDTMIG 3.3 §8.4: one record per IDVAR, IDVARVAL and QNAM). */
export function suppDomain(parent: SubjectDomainCode): SdtmDomain {
  return {
    code: `SUPP${parent}`,
    label: `Supplemental Qualifiers for ${parent}`,
    sdtmClass: 'RELATIONSHIP',
    structure: 'One record per IDVAR, IDVARVAL, and QNAM value per subject',
    keys: ['STUDYID', 'RDOMAIN', 'USUBJID', 'IDVAR', 'IDVARVAL', 'QNAM'],
    variables: suppVariables,
  };
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
const utf8Bytes = (codePoint: number) =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
const isBlank = (char: string | undefined) => char !== undefined && /\s/u.test(char);

/**
 * Where the first piece of `text` ends (a UTF-16 index): at most `limit` UTF-8 bytes, never inside a
 * character, and before the last blank that follows a word when there is one; otherwise after the last
 * whole character that fits (Chinese text has no blanks between words).
 */
function cutPoint(text: string, limit: number): number {
  let bytes = 0;
  let index = 0;
  let wordEnd = 0;
  let previous: string | undefined;
  for (const char of text) {
    const size = utf8Bytes(char.codePointAt(0) ?? 0);
    if (bytes + size > limit) break;
    if (isBlank(char) && previous !== undefined && !isBlank(previous)) wordEnd = index;
    bytes += size;
    index += char.length;
    previous = char;
  }
  if (isBlank(text[index]) && !isBlank(previous)) return index;
  return wordEnd > 0 ? wordEnd : index;
}

/** Pieces of at most `limit` UTF-8 bytes that join back to `text`; one piece when it fits. */
export function splitText(text: string, limit = XPT_TEXT_LIMIT): string[] {
  if (limit < 4) throw new RangeError('a piece holds at least one character (4 bytes)');
  const pieces: string[] = [];
  let rest = text;
  while (byteLength(rest) > limit) {
    const cut = cutPoint(rest, limit);
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * QNAM of the `piece`-th continuation of a variable: the name and the counter (CMTRT1); a name that
 * would pass 8 characters gives up its last letters (CMDOSTXT → CMDOSTX1, as SDTMIG's AEACNOT1). Where
 * two variables of a domain would meet (VSORRES1 from VSORRES and from VSORRESU), the later one keeps
 * its own last letter (VSORREU1).
 */
export function qualifierName(parent: SubjectDomainCode, variable: string, piece: number): string {
  const digits = String(piece);
  const plain = (name: string) => name.slice(0, 8 - digits.length) + digits;
  const candidate = plain(variable);
  const earlier = sdtmDomains[parent].variables.findIndex((other) => other.name === variable);
  const taken = sdtmDomains[parent].variables
    .slice(0, Math.max(0, earlier))
    .some((other) => other.type === 'char' && plain(other.name) === candidate);
  if (!taken) return candidate;
  return variable.slice(0, 7 - digits.length) + variable.slice(-1) + digits;
}

const originOf = (origin: SdtmVariable['origin']) => (origin === 'Collected' ? 'CRF' : origin);

/** The variable and value that identify a parent record from its SUPP-- records. */
function identifierOf(
  parent: SubjectDomainCode,
  row: SdtmRow,
): { IDVAR: string | null; IDVARVAL: string | null } {
  if (parent === 'DM') return { IDVAR: null, IDVARVAL: null };
  const name = parent === 'SV' ? 'VISITNUM' : `${parent}SEQ`;
  const value = row[name];
  return { IDVAR: name, IDVARVAL: value === null || value === undefined ? null : String(value) };
}

export interface SplitRows {
  /** The parent rows, each character value at most 200 bytes. */
  rows: SdtmRow[];
  /** The SUPP-- records holding the rest, in parent row and piece order. */
  supplemental: SdtmRow[];
  /** Variables continued in SUPP--, with the most pieces any value needed there (CMTRT → 4: CMTRT1–4). */
  continued: Map<string, number>;
}

/** Moves what passes 200 bytes of each character value of a domain's rows into SUPP-- records. */
export function splitLongValues(parent: SubjectDomainCode, rows: readonly SdtmRow[]): SplitRows {
  const domain = sdtmDomains[parent];
  const supplemental: SdtmRow[] = [];
  const continued = new Map<string, number>();
  const out = rows.map((row) => {
    let copy: SdtmRow | null = null;
    for (const variable of domain.variables) {
      const value = row[variable.name];
      if (variable.type !== 'char' || typeof value !== 'string' || byteLength(value) <= XPT_TEXT_LIMIT)
        continue;
      const [first = '', ...rest] = splitText(value);
      copy = copy ?? { ...row };
      copy[variable.name] = first;
      continued.set(variable.name, Math.max(continued.get(variable.name) ?? 0, rest.length));
      rest.forEach((piece, index) => {
        supplemental.push({
          STUDYID: row.STUDYID,
          RDOMAIN: parent,
          USUBJID: row.USUBJID,
          ...identifierOf(parent, row),
          QNAM: qualifierName(parent, variable.name, index + 1),
          QLABEL: variable.label,
          QVAL: piece,
          QORIG: originOf(variable.origin),
          QEVAL: null,
        });
      });
    }
    return copy ?? row;
  });
  return { rows: out, supplemental, continued };
}

export const suppCodeOf = (parent: SubjectDomainCode): SuppCode => `SUPP${parent}`;

/** The definition of any data set written: a domain, or a domain's SUPP--. */
export function datasetDefinition(code: SdtmDatasetCode): SdtmDomain {
  return isSuppCode(code) ? suppDomain(parentOf(code) as SubjectDomainCode) : sdtmDomains[code];
}
