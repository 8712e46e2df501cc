import { constants } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '../db/connection.ts';
import { interfaceCaller } from './interface-caller.ts';
import { type ReceiptOutcome, receiveLabMessage } from './lab-message.service.ts';
import { decodeMessage } from './message-text.ts';

/** How a file's name says its format: `.json` a FHIR bundle, anything else HL7 v2 text. */
export const formatOf = (name: string): 'fhir' | 'hl7v2' =>
  extname(name).toLowerCase() === '.json' ? 'fhir' : 'hl7v2';

/** Files still being written are skipped by name (`.tmp`, `.part`, dot files): write, then rename into the folder. */
const skipped = (name: string) => name.startsWith('.') || /\.(tmp|part)$/i.test(name);

export interface FolderPass {
  file: string;
  outcome: ReceiptOutcome | { error: string };
}

/**
 * One pass over the drop folder: each file is received as one message (a file may hold several HL7
 * messages, each starting with MSH) and moved to `done/` when every message was taken, else to
 * `failed/`, so no file is read twice and none is lost.
 */
export async function processDropFolder(
  database: Database,
  studyId: string,
  folder: string,
  clock: () => Date = () => new Date(),
): Promise<FolderPass[]> {
  await mkdir(join(folder, 'done'), { recursive: true });
  await mkdir(join(folder, 'failed'), { recursive: true });
  const entries = await readdir(folder, { withFileTypes: true });
  const passes: FolderPass[] = [];
  for (const entry of entries
    .filter((item) => item.isFile() && !skipped(item.name))
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    const decoded = decodeMessage(await readFile(path));
    if (!decoded.ok) {
      // Kept as it came, in failed/, for the laboratory to send again in UTF-8.
      passes.push({ file: entry.name, outcome: { error: decoded.problem } });
      await moveKeepingOthers(path, join(folder, 'failed'));
      continue;
    }
    const text = decoded.text;
    const format = formatOf(entry.name);
    const messages = format === 'fhir' ? [text] : splitHl7Messages(text);
    let taken = messages.length > 0;
    for (const raw of messages) {
      const outcome = await receiveLabMessage(
        database,
        studyId,
        interfaceCaller(`file ${entry.name}`),
        { format, source: 'file', raw },
        clock(),
      );
      passes.push({ file: entry.name, outcome });
      if (outcome.ackCode !== 'AA') taken = false;
    }
    await moveKeepingOthers(path, join(folder, taken ? 'done' : 'failed'));
  }
  return passes;
}

/**
 * Moves a file into `target` under its own name, or `name-1.ext`, `name-2.ext`, … when a file of that
 * name is already there: laboratories reuse names (`results.hl7`), and a file moved earlier is never
 * overwritten. The copy refuses a name that exists (COPYFILE_EXCL, on any file system, shared folders
 * included), so two passes cannot take the same name; a pass stopped between copy and removal leaves
 * the file to be read again, and the second receipt of a message is recognised as a duplicate.
 */
export async function moveKeepingOthers(path: string, target: string): Promise<string> {
  const name = basename(path);
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  for (let copy = 0; ; copy += 1) {
    const destination = join(target, copy === 0 ? name : `${stem}-${copy}${extension}`);
    try {
      await copyFile(path, destination, constants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await unlink(path);
    return destination;
  }
}

/** HL7 v2 messages of one file: each begins at a line starting with MSH. */
export function splitHl7Messages(text: string): string[] {
  const segments = text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');
  const messages: string[][] = [];
  for (const segment of segments) {
    if (segment.startsWith('MSH') || messages.length === 0) messages.push([segment]);
    else messages[messages.length - 1]?.push(segment);
  }
  return messages.map((lines) => lines.join('\r'));
}

/** Polls the folder every `intervalMs` until stopped; a pass never overlaps the one before. */
export function watchDropFolder(options: {
  database: Database;
  studyId: string;
  folder: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  intervalMs?: number;
}): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = () =>
    processDropFolder(options.database, options.studyId, options.folder)
      .then((passes) => {
        for (const pass of passes)
          options.logger.info({ file: pass.file, outcome: pass.outcome }, 'laboratory file received');
      })
      .catch((error: unknown) =>
        options.logger.error({ error: String(error) }, 'laboratory drop folder pass failed'),
      )
      .finally(() => {
        running = null;
      });
  options.logger.info({ folder: options.folder }, 'watching the laboratory drop folder');
  const timer = setInterval(() => {
    // A pass still running (a large folder) is not overlapped: the next tick tries again.
    if (!stopped && running === null) running = pass();
  }, options.intervalMs ?? 5_000);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
