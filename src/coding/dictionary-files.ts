import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../kernel/errors.ts';

/** A distribution file that cannot be imported, with the file and line (1-based; 0 for the whole file). */
export function dictionaryFileError(file: string, line: number, message: string): DomainError {
  const where = line > 0 ? `${file} line ${line}` : file;
  return new DomainError('validation_failed', `${where}: ${message} Nothing was imported.`, {
    file,
    line,
  });
}

/** One line of a file with its 1-based number; blank lines (a final newline, a stray CR) are skipped. */
export interface NumberedLine {
  line: number;
  text: string;
}

/**
 * The lines of a distribution file. Decoded as UTF-8 strictly: a byte sequence that is not UTF-8 is
 * refused (naming the file) rather than imported as replacement characters.
 */
export function linesOf(file: string, bytes: Uint8Array): NumberedLine[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw dictionaryFileError(file, 0, 'is not UTF-8 text; save it as UTF-8.');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text
    .split('\n')
    .map((raw, index) => ({ line: index + 1, text: raw.replace(/\r$/, '') }))
    .filter((entry) => entry.text.trim() !== '');
}

/**
 * Reads the named files of a distribution folder, matching names without regard to case (MedDRA
 * ships `llt.asc`, WHODrug `DD.txt`; copies off other systems may differ in case). A missing file is
 * an error naming it.
 */
export function readDistribution(dir: string, names: readonly string[]): Record<string, Uint8Array> {
  let present: string[];
  try {
    present = readdirSync(dir);
  } catch {
    throw new DomainError('validation_failed', `${dir} is not a folder that can be read.`, {
      file: dir,
      line: 0,
    });
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of names) {
    const found = present.find((entry) => entry.toLowerCase() === name.toLowerCase());
    if (!found) {
      throw dictionaryFileError(
        name,
        0,
        `is missing from ${dir}; the distribution's files are ${names.join(', ')}.`,
      );
    }
    files[name] = readFileSync(join(dir, found));
  }
  return files;
}

/**
 * The named files of a distribution sent to the API (file name → its text), matched without regard
 * to case like `readDistribution`; a missing one is an error naming it.
 */
export function distributionFromTexts(
  texts: Record<string, string>,
  names: readonly string[],
): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const name of names) {
    const found = Object.keys(texts).find((entry) => entry.toLowerCase() === name.toLowerCase());
    if (found === undefined) {
      throw dictionaryFileError(name, 0, `is missing; send the distribution's files: ${names.join(', ')}.`);
    }
    files[name] = new TextEncoder().encode(texts[found]);
  }
  return files;
}
