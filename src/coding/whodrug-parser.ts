import { dictionaryFileError, linesOf, type NumberedLine } from './dictionary-files.ts';

// WHODrug Global in the B3 format: fixed-width text files. exotrial reads the three it needs to code a
// concomitant medication and give its ATC class: DD (drug names), DDA (each drug's ATC codes) and INA
// (the ATC texts). Positions are 1-based and inclusive, as UMC's B3 file description gives them; the
// fields exotrial does not use (designation, source, company, ingredients, …) are not read. A line may
// end early (trailing blanks trimmed) but not before the last field that is read.

export const whodrugFiles = ['DD.txt', 'DDA.txt', 'INA.txt'] as const;
export type WhodrugFile = (typeof whodrugFiles)[number];

type Span = readonly [from: number, to: number];
const DD = {
  recordNumber: [1, 6],
  sequence1: [7, 8],
  sequence2: [9, 11],
  checkDigit: [12, 12],
  drugName: [32, 1531],
} as const satisfies Record<string, Span>;
const DDA = { drugCode: [1, 12], atcCode: [13, 19] } as const satisfies Record<string, Span>;
const INA = { atcCode: [1, 7], level: [8, 8], text: [9, 118] } as const satisfies Record<string, Span>;

/** The ATC code's length at each level (A, A01, A01A, A01AA, A01AA01). */
const ATC_LENGTH: Record<number, number> = { 1: 1, 2: 3, 3: 4, 4: 5, 5: 7 };

const field = (entry: NumberedLine, [from, to]: Span) => entry.text.slice(from - 1, to).trim();

function digits(file: WhodrugFile, entry: NumberedLine, name: string, span: Span): string {
  const value = field(entry, span);
  const width = span[1] - span[0] + 1;
  if (!new RegExp(`^\\d{${width}}$`).test(value)) {
    throw dictionaryFileError(
      file,
      entry.line,
      `${name} (columns ${span[0]}-${span[1]}) "${value}" is not ${width} digits.`,
    );
  }
  return value;
}

export interface WhodrugDrugRecord {
  /** Record number, sequence numbers 1 and 2, check digit (12 digits). */
  drugCode: string;
  recordNumber: string;
  name: string;
  atcCode: string | null;
}
export interface WhodrugAtcRecord {
  atcCode: string;
  level: number;
  text: string;
}
export interface WhodrugRelease {
  drugs: WhodrugDrugRecord[];
  atc: WhodrugAtcRecord[];
}

function parseIna(bytes: Uint8Array): Map<string, WhodrugAtcRecord> {
  const atc = new Map<string, WhodrugAtcRecord>();
  for (const entry of linesOf('INA.txt', bytes)) {
    const atcCode = field(entry, INA.atcCode);
    const level = Number(field(entry, INA.level));
    const text = field(entry, INA.text);
    if (!(level in ATC_LENGTH)) {
      throw dictionaryFileError(
        'INA.txt',
        entry.line,
        `ATC level (column 8) "${field(entry, INA.level)}" is not 1 to 5.`,
      );
    }
    if (!/^[A-Z][0-9A-Z]*$/.test(atcCode) || atcCode.length !== ATC_LENGTH[level]) {
      throw dictionaryFileError(
        'INA.txt',
        entry.line,
        `ATC code "${atcCode}" is not a level-${level} ATC code.`,
      );
    }
    if (text === '')
      throw dictionaryFileError('INA.txt', entry.line, 'the ATC text (columns 9-118) is empty.');
    if (atc.has(atcCode))
      throw dictionaryFileError('INA.txt', entry.line, `ATC code ${atcCode} appears a second time.`);
    atc.set(atcCode, { atcCode, level, text });
  }
  return atc;
}

function parseDd(bytes: Uint8Array): Map<string, WhodrugDrugRecord> {
  const drugs = new Map<string, WhodrugDrugRecord>();
  for (const entry of linesOf('DD.txt', bytes)) {
    const recordNumber = digits('DD.txt', entry, 'the drug record number', DD.recordNumber);
    const drugCode =
      recordNumber +
      digits('DD.txt', entry, 'sequence number 1', DD.sequence1) +
      digits('DD.txt', entry, 'sequence number 2', DD.sequence2) +
      digits('DD.txt', entry, 'the check digit', DD.checkDigit);
    const name = field(entry, DD.drugName);
    if (name === '')
      throw dictionaryFileError('DD.txt', entry.line, 'the drug name (from column 32) is empty.');
    if (drugs.has(drugCode))
      throw dictionaryFileError('DD.txt', entry.line, `drug code ${drugCode} appears a second time.`);
    drugs.set(drugCode, { drugCode, recordNumber, name, atcCode: null });
  }
  return drugs;
}

/** Parses and cross-checks DD, DDA and INA: every DDA row names a drug of DD and an ATC code of INA. */
export function parseWhodrug(files: Record<WhodrugFile, Uint8Array>): WhodrugRelease {
  const atc = parseIna(files['INA.txt']);
  const drugs = parseDd(files['DD.txt']);
  if (drugs.size === 0) throw dictionaryFileError('DD.txt', 0, 'holds no drug names.');
  for (const entry of linesOf('DDA.txt', files['DDA.txt'])) {
    const drugCode = digits('DDA.txt', entry, 'the drug code', DDA.drugCode);
    const atcCode = field(entry, DDA.atcCode);
    const drug = drugs.get(drugCode);
    if (!drug) throw dictionaryFileError('DDA.txt', entry.line, `drug code ${drugCode} is not in DD.txt.`);
    if (!atc.has(atcCode))
      throw dictionaryFileError('DDA.txt', entry.line, `ATC code "${atcCode}" is not in INA.txt.`);
    // A drug with several ATC codes keeps its first: CMCLAS holds one class.
    drug.atcCode ??= atcCode;
  }
  return { drugs: [...drugs.values()], atc: [...atc.values()] };
}
