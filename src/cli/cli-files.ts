import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DomainError } from '../kernel/errors.ts';
import { CliUserError, domainErrorText } from './cli-user-error.ts';

/**
 * The checks every command makes on the files it is given, before it opens a database or writes
 * anything: a mistyped path, a folder where a file is wanted or a file nobody may read or write is
 * a one-line message naming the path and what to do, never a stack trace or a half-written result.
 */

/** What an input file should hold: text (CSV, YAML, XML) or a gzip file (a backup). */
export type InputKind = 'text' | 'gzip' | 'zip';

/** How much of an input file is looked at to tell text from binary. */
const SAMPLE_BYTES = 64 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];
/** A ZIP archive's local file header (XLSX workbooks are ZIP archives). */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function accessReason(error: unknown): string {
  const code = errorCode(error);
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'the file system is read-only';
  return code;
}

/** A path that cannot be stat'ed: missing, or a component on the way is a file. */
function missingPath(path: string, what: string, error: unknown): CliUserError {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new CliUserError(`${path} does not exist: give the path of ${what}.`);
  }
  return new CliUserError(`${path} cannot be read (${accessReason(error)}): give the path of ${what}.`);
}

/** True when the bytes are not UTF-8 text (a NUL byte or an invalid sequence). */
function looksBinary(sample: Buffer, complete: boolean): boolean {
  if (sample.includes(0)) return true;
  try {
    // `stream` lets a sample cut in the middle of a multi-byte character pass.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !complete });
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks that `path` is a readable, non-empty file of the expected kind, reading only its first
 * bytes (a logger file or a backup may be large). Returns its size in bytes.
 */
export function checkInputFile(path: string, what: string, kind: InputKind = 'text'): number {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      throw new CliUserError(`${path} is a folder, not a file: give the path of ${what}.`);
    }
    size = stats.size;
  } catch (error) {
    if (error instanceof CliUserError) throw error;
    throw missingPath(path, what, error);
  }
  const sample = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
  try {
    const descriptor = openSync(path, 'r');
    try {
      readSync(descriptor, sample, 0, sample.length, 0);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    throw new CliUserError(`${path} cannot be read (${accessReason(error)}): give a file you may read.`);
  }
  if (size === 0) throw new CliUserError(`${path} is empty: it should hold ${what}.`);
  if (kind === 'gzip' && !GZIP_MAGIC.every((byte, index) => sample[index] === byte)) {
    throw new CliUserError(`${path} is not a gzip file, so not ${what}.`);
  }
  if (kind === 'zip' && !ZIP_MAGIC.every((byte, index) => sample[index] === byte)) {
    throw new CliUserError(`${path} is not a ZIP archive, so not ${what}.`);
  }
  if (kind === 'text' && looksBinary(sample, sample.length === size)) {
    throw new CliUserError(`${path} is not a text file (it holds binary data): give the path of ${what}.`);
  }
  return size;
}

/** The whole text of an input file, after the checks of checkInputFile. */
export function readTextInput(path: string, what: string): string {
  checkInputFile(path, what, 'text');
  const bytes = readFileSync(path);
  if (looksBinary(bytes, true)) {
    throw new CliUserError(`${path} is not a text file (it holds binary data): give the path of ${what}.`);
  }
  return bytes.toString('utf8');
}

/** Whether a new file can be made in `folder`: tried for real, as permission bits do not bind root. */
function assertWritableFolder(folder: string, path: string): void {
  const probe = join(folder, `.exotrial-write-check-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return;
    throw new CliUserError(
      `Cannot write ${path} (${accessReason(error)} in ${folder}): choose a folder you may write to.`,
    );
  }
  rmSync(probe, { force: true });
}

function assertExistingFolder(folder: string, path: string): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    throw new CliUserError(
      `Cannot write ${path}: the folder ${folder} does not exist. Create it first or choose another path.`,
    );
  }
  if (!isFolder) throw new CliUserError(`Cannot write ${path}: ${folder} is a file, not a folder.`);
}

/**
 * Checks that `path` can be written as a file: not a folder, in a folder that exists, and writable
 * (an existing file is replaced, so it must be writable too). Nothing is left behind.
 */
export function checkOutputFile(path: string, what: string): void {
  const target = resolve(path);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(target);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) {
    throw new CliUserError(`${path} is a folder: give a file name for ${what}.`);
  }
  assertExistingFolder(dirname(target), path);
  if (existing) {
    try {
      closeSync(openSync(target, 'r+'));
    } catch (error) {
      throw new CliUserError(`Cannot write ${path} (${accessReason(error)}): choose another file.`);
    }
    return;
  }
  assertWritableFolder(dirname(target), path);
}

/**
 * Checks that `path` can be the folder an export writes into: an existing writable folder, or a
 * new one whose parent exists (a mistyped parent is an error, not a tree of new folders).
 */
export function checkOutputFolder(path: string, what: string): void {
  const target = resolve(path);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(target);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isDirectory()) {
    throw new CliUserError(`${path} is a file: give a folder for ${what}.`);
  }
  const folder = existing ? target : dirname(target);
  if (!existing) assertExistingFolder(folder, path);
  assertWritableFolder(folder, path);
}

/**
 * Runs work that reads the file `path`, naming the file in a refusal of its content (a parser's or
 * an importer's 4xx), so the one-line message says which file is wrong.
 */
export async function aboutFile<T>(path: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw namingFile(path, error);
  }
}

/** A refusal of the content of the file `path` as a one-line error naming it; other errors as they are. */
export function namingFile(path: string, error: unknown): unknown {
  if (error instanceof DomainError && error.status < 500) {
    return new CliUserError(`${path}: ${domainErrorText(error)}`);
  }
  return error;
}
