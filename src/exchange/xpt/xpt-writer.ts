import { IBM_MAX, writeIbmDouble } from './ibm-float.ts';

// SAS XPORT version 5 transport files, byte for byte as SAS technical note TS-140 lays them out:
// 80-byte records; a library header, then per data set a member header, 140-byte NAMESTR descriptors
// and the observations, each block padded with blanks to a multiple of 80 bytes.

export type XptType = 'char' | 'num';

export interface XptVariable {
  /** Upper-case SAS name, at most 8 characters. */
  name: string;
  /** At most 40 characters (bytes). */
  label: string;
  type: XptType;
  /** Bytes of a character variable, 1–200; numbers are always 8. */
  length: number;
  /** Display format, e.g. "DATE9." (name ≤ 8, then width and decimals). */
  format?: string;
}

export interface XptDataset {
  /** Upper-case name, at most 8 characters (the SDTM domain code). */
  name: string;
  /** At most 40 characters. */
  label: string;
  variables: XptVariable[];
}

export type XptValue = string | number | null | undefined;

const RECORD = 80;
const NAMESTR = 140;
const encoder = new TextEncoder();
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** "ddMMMyy:hh:mm:ss", the header date-time of TS-140, in UTC. */
export function xptDateTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}${MONTHS[date.getUTCMonth()]}${two(date.getUTCFullYear() % 100)}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) if (text.charCodeAt(index) > 0x7e) return false;
  return true;
}

/** Text padded with blanks (or cut) to `width` bytes; header fields are ASCII. */
function field(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + ' '.repeat(width - text.length);
}

function record(text: string): Uint8Array {
  if (text.length !== RECORD) throw new Error(`internal: header record of ${text.length} bytes`);
  return encoder.encode(text);
}

/** Problems with a data set's definition, each saying what to change; empty when it can be written. */
export function datasetProblems(dataset: XptDataset): string[] {
  const problems: string[] = [];
  const sasName = /^[A-Z_][A-Z0-9_]{0,7}$/;
  if (!sasName.test(dataset.name))
    problems.push(`data set name "${dataset.name}": 1–8 upper-case letters, digits or _`);
  if (dataset.label.length > 40 || !isAscii(dataset.label))
    problems.push(`data set label "${dataset.label}": at most 40 ASCII characters`);
  if (dataset.variables.length === 0) problems.push(`data set ${dataset.name} has no variables`);
  if (dataset.variables.length > 9999) problems.push(`data set ${dataset.name}: at most 9999 variables`);
  const seen = new Set<string>();
  for (const variable of dataset.variables) {
    if (!sasName.test(variable.name))
      problems.push(`variable "${variable.name}": 1–8 upper-case letters, digits or _`);
    if (seen.has(variable.name)) problems.push(`variable ${variable.name} appears twice`);
    seen.add(variable.name);
    if (variable.label.length > 40 || !isAscii(variable.label))
      problems.push(`label of ${variable.name}: at most 40 ASCII characters`);
    if (
      variable.type === 'char' &&
      (!Number.isInteger(variable.length) || variable.length < 1 || variable.length > 200)
    )
      problems.push(`length of ${variable.name}: 1–200 bytes`);
    if (variable.type === 'num' && variable.length !== 8)
      problems.push(`length of ${variable.name}: numbers are 8 bytes`);
  }
  return problems;
}

/**
 * Why a value cannot be written to a variable of a transport file (of at most `maxBytes` bytes when
 * text), or null when it can: the check the writer makes, run before anything is written.
 */
export function valueProblem(
  variable: Pick<XptVariable, 'type'>,
  value: XptValue,
  maxBytes = 200,
): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (variable.type === 'num') {
    if (typeof value !== 'number') return 'a numeric variable holds text';
    if (!Number.isFinite(value)) return 'not a finite number';
    if (Math.abs(value) > IBM_MAX) return 'too large for a transport file number';
    return null;
  }
  const bytes = Buffer.byteLength(typeof value === 'number' ? String(value) : value, 'utf8');
  return bytes > maxBytes ? `${bytes} bytes, more than the ${maxBytes} a transport file holds` : null;
}

/** The library header: three 80-byte records. */
export function libraryHeader(created: Date): Uint8Array {
  const stamp = xptDateTime(created);
  return concat([
    record('HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  '),
    record(
      `${field('SAS', 8)}${field('SAS', 8)}${field('SASLIB', 8)}${field('9.4', 8)}${field('', 8)}${field('', 24)}${stamp}`,
    ),
    record(field(stamp, RECORD)),
  ]);
}

function parseFormat(format: string | undefined): { name: string; width: number; decimals: number } {
  if (!format) return { name: '', width: 0, decimals: 0 };
  const match = /^([A-Z$][A-Z0-9_]{0,7}?)(\d*)\.(\d*)$/.exec(format);
  if (!match) throw new Error(`format "${format}" is not NAMEw.d`);
  return { name: match[1] ?? '', width: Number(match[2] || 0), decimals: Number(match[3] || 0) };
}

function namestr(variable: XptVariable, number: number, position: number): Uint8Array {
  const bytes = new Uint8Array(NAMESTR);
  const view = new DataView(bytes.buffer);
  view.setInt16(0, variable.type === 'num' ? 1 : 2);
  view.setInt16(2, 0);
  view.setInt16(4, variable.type === 'num' ? 8 : variable.length);
  view.setInt16(6, number);
  bytes.set(encoder.encode(field(variable.name, 8)), 8);
  bytes.set(encoder.encode(field(variable.label, 40)), 16);
  const format = parseFormat(variable.format);
  bytes.set(encoder.encode(field(format.name, 8)), 56);
  view.setInt16(64, format.width);
  view.setInt16(66, format.decimals);
  view.setInt16(68, variable.type === 'num' ? 1 : 0);
  // nfill[2] at 70 stays zero; informat name (blanks), width and decimals (zero).
  bytes.set(encoder.encode(field('', 8)), 72);
  view.setInt16(80, 0);
  view.setInt16(82, 0);
  view.setInt32(84, position);
  // rest[52] at 88 stays zero.
  return bytes;
}

function padTo80(parts: Uint8Array[], length: number): Uint8Array[] {
  const remainder = length % RECORD;
  return remainder === 0 ? parts : [...parts, new Uint8Array(RECORD - remainder).fill(0x20)];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Member header, descriptor and NAMESTR records of one data set, up to and including the OBS header. */
export function memberHeader(dataset: XptDataset, created: Date): Uint8Array {
  const problems = datasetProblems(dataset);
  if (problems.length > 0) throw new Error(`cannot write ${dataset.name}: ${problems.join('; ')}`);
  const stamp = xptDateTime(created);
  const count = String(dataset.variables.length).padStart(4, '0');
  const parts: Uint8Array[] = [
    record('HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  '),
    record('HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  '),
    record(
      `${field('SAS', 8)}${field(dataset.name, 8)}${field('SASDATA', 8)}${field('9.4', 8)}${field('', 8)}${field('', 24)}${stamp}`,
    ),
    record(`${stamp}${field('', 16)}${field(dataset.label, 40)}${field('', 8)}`),
    record(`HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000${count}00000000000000000000  `),
  ];
  let position = 0;
  const descriptors = dataset.variables.map((variable, index) => {
    const bytes = namestr(variable, index + 1, position);
    position += variable.type === 'num' ? 8 : variable.length;
    return bytes;
  });
  parts.push(...padTo80(descriptors, descriptors.length * NAMESTR));
  parts.push(record('HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  '));
  return concat(parts);
}

/** Bytes of one observation. */
export function observationLength(dataset: XptDataset): number {
  return dataset.variables.reduce(
    (sum, variable) => sum + (variable.type === 'num' ? 8 : variable.length),
    0,
  );
}

/**
 * Writes a data set's observations in blocks: `rows` encodes a batch of rows into one buffer, `end`
 * gives the blank padding that closes the member. Character values longer than their variable are an
 * error (the caller sizes variables to the data); text is UTF-8.
 */
export class XptObservationWriter {
  readonly #dataset: XptDataset;
  readonly #width: number;
  #written = 0;
  rowCount = 0;

  constructor(dataset: XptDataset) {
    this.#dataset = dataset;
    this.#width = observationLength(dataset);
  }

  rows(rows: readonly (readonly XptValue[])[]): Uint8Array {
    const out = new Uint8Array(rows.length * this.#width).fill(0x20);
    let offset = 0;
    for (const row of rows) {
      this.#encode(row, out, offset);
      offset += this.#width;
    }
    this.#written += out.length;
    this.rowCount += rows.length;
    return out;
  }

  #encode(row: readonly XptValue[], out: Uint8Array, start: number): void {
    let offset = start;
    const variables = this.#dataset.variables;
    for (let index = 0; index < variables.length; index += 1) {
      const variable = variables[index] as XptVariable;
      const value = row[index];
      if (variable.type === 'num') {
        if (value === null || value === undefined || value === '') {
          out[offset] = 0x2e; // "." missing, then seven zero bytes
          out.fill(0, offset + 1, offset + 8);
        } else if (typeof value === 'number') {
          writeIbmDouble(value, out, offset);
        } else {
          throw new TypeError(`${this.#dataset.name}.${variable.name} is numeric; got "${value}"`);
        }
        offset += 8;
        continue;
      }
      if (value !== null && value !== undefined && value !== '') {
        const text = typeof value === 'number' ? String(value) : value;
        const { written = 0, read = 0 } = encoder.encodeInto(
          text,
          out.subarray(offset, offset + variable.length),
        );
        if (read < text.length) {
          throw new RangeError(
            `${this.#dataset.name}.${variable.name}: "${text.slice(0, 40)}…" is longer than ${variable.length} bytes`,
          );
        }
        void written;
      }
      offset += variable.length;
    }
  }

  /** The blank padding that closes the member to a multiple of 80 bytes. */
  end(): Uint8Array {
    const remainder = this.#written % RECORD;
    return remainder === 0 ? new Uint8Array(0) : new Uint8Array(RECORD - remainder).fill(0x20);
  }
}

/** A whole transport file of one data set, in memory: for tests and small data sets. */
export function writeXpt(
  dataset: XptDataset,
  rows: readonly (readonly XptValue[])[],
  created: Date,
): Uint8Array {
  const writer = new XptObservationWriter(dataset);
  return concat([libraryHeader(created), memberHeader(dataset, created), writer.rows(rows), writer.end()]);
}
