import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DomainError } from '../kernel/errors.ts';
import { OWNER_ONLY_DIRECTORY } from './stream-file.ts';

// Export files appear whole or not at all: they are written under a temporary name beside the target
// (same folder, so the final rename is atomic and never crosses a file system) and renamed into place
// only once every byte is written. A failed export removes its temporary name and leaves nothing.

const outputProblem = (message: string) => new DomainError('bad_request', message);

function kindOf(path: string): 'file' | 'folder' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** The folder the target goes in, which must exist and be a folder. */
function parentOf(target: string, option: string): string {
  const parent = dirname(resolve(target));
  const kind = kindOf(parent);
  if (kind === 'missing')
    throw outputProblem(`The folder ${parent} does not exist: create it, or choose another ${option}.`);
  if (kind === 'file') throw outputProblem(`${parent} is a file, not a folder: choose another ${option}.`);
  return parent;
}

const temporaryBeside = (target: string, parent: string) =>
  join(parent, `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);

function cannotWrite(error: unknown, parent: string, option: string): DomainError | unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return outputProblem(`Cannot write into ${parent} (${code}): choose another ${option}.`);
  return error;
}

/**
 * Runs `work` on a temporary file beside `target`, then renames it to `target`. `option` names where
 * the path came from (e.g. "--out") for the messages.
 */
export async function writeFileWhole<T>(
  target: string,
  work: (path: string) => Promise<T>,
  option = 'path',
): Promise<T> {
  const parent = parentOf(target, option);
  if (kindOf(target) === 'folder')
    throw outputProblem(`${target} is a folder: give ${option} a file name, e.g. ${join(target, 'export')}.`);
  const temporary = temporaryBeside(target, parent);
  try {
    const result = await work(temporary);
    renameSync(temporary, target);
    return result;
  } catch (error) {
    rmSync(temporary, { force: true });
    throw cannotWrite(error, parent, option);
  }
}

/**
 * Runs `work` on a temporary folder beside `target`, then makes it `target`: renamed into place when
 * `target` does not exist yet; otherwise its files are moved into `target`, and files there that
 * `stale` matches but this export did not write (a SUPP-- data set of an earlier export) are removed,
 * so the folder never mixes two exports.
 */
export async function writeFolderWhole<T>(
  target: string,
  work: (folder: string) => Promise<T>,
  options: { option?: string; stale?: RegExp } = {},
): Promise<T> {
  const option = options.option ?? 'folder';
  const parent = parentOf(target, option);
  const existing = kindOf(target);
  if (existing === 'file') throw outputProblem(`${target} is a file: give ${option} a folder.`);
  const temporary = temporaryBeside(target, parent);
  try {
    mkdirSync(temporary, { mode: OWNER_ONLY_DIRECTORY });
  } catch (error) {
    throw cannotWrite(error, parent, option);
  }
  try {
    const result = await work(temporary);
    if (existing === 'missing') {
      renameSync(temporary, target);
      return result;
    }
    const written = new Set(readdirSync(temporary));
    for (const name of written) renameSync(join(temporary, name), join(target, name));
    const stale = options.stale;
    if (stale)
      for (const name of readdirSync(target))
        if (stale.test(name) && !written.has(name)) rmSync(join(target, name), { force: true });
    rmSync(temporary, { recursive: true, force: true });
    return result;
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw cannotWrite(error, parent, option);
  }
}
