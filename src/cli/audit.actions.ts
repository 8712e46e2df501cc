import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { AnchorError, AnchorFileError, parseAnchorFile, writeAnchor } from '../audit/anchor.ts';
import { verifyAgainstAnchors } from '../audit/anchor-verify.ts';
import { verifyStudyChain } from '../audit/audit.query.ts';
import { type ExportFormat, exportAuditTrail } from '../audit/export.ts';
import { OWNER_ONLY_FILE } from '../exchange/stream-file.ts';
import { CliUserError, EXIT_USER_ERROR } from './cli-errors.ts';
import { checkOutputFile } from './cli-files.ts';
import { type DatabaseOptions, withStudyDatabase } from './database-options.ts';

async function write(stream: Writable, chunk: string): Promise<void> {
  // A stream that already failed says so here; `once` rejects on an 'error' while waiting for room.
  if (stream.errored) throw stream.errored;
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** Anchor problems are the operator's to fix (a path, a file): one line, exit 1. */
async function asUserError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AnchorError || error instanceof AnchorFileError)
      throw new CliUserError(error.message);
    throw error;
  }
}

async function readAnchorFile(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliUserError(`Cannot read the anchor file ${file} (${code}).`);
  }
  return asUserError(async () => parseAnchorFile(text, file));
}

async function verifyWithAnchors(options: DatabaseOptions, file: string): Promise<void> {
  const anchors = await readAnchorFile(file);
  const result = await withStudyDatabase(
    options,
    (database, studyId) => verifyAgainstAnchors(database, studyId, anchors),
    'read',
    'read-only',
  );
  if (result.problems.length === 0) {
    const latest = result.latest;
    process.stdout.write(
      `Audit trail intact: ${result.chain.events} events, seq 1 to ${result.chain.lastSeq}; ` +
        `${result.anchors} anchors match (latest: seq ${latest?.seq}, ${latest?.anchoredAt})\n`,
    );
    return;
  }
  for (const problem of result.problems) process.stdout.write(`Audit trail BROKEN: ${problem}\n`);
  process.exitCode = EXIT_USER_ERROR;
}

export const verifyAudit = async (options: DatabaseOptions & { anchors?: string }) => {
  if (options.anchors) {
    await verifyWithAnchors(options, options.anchors);
    return;
  }
  const result = await withStudyDatabase(
    options,
    (database, studyId) => verifyStudyChain(database, studyId),
    'read',
    'read-only',
  );
  if (result.intact) {
    process.stdout.write(
      `Audit trail intact: ${result.events} events, seq 1 to ${result.lastSeq}, head ${result.lastHash}\n`,
    );
    return;
  }
  const broken = result.firstBreak;
  process.stdout.write(
    `Audit trail BROKEN at seq ${broken?.seq}: ${broken?.message} [${broken?.problem}]. ` +
      `${result.events} events before it verify.\n`,
  );
  process.exitCode = EXIT_USER_ERROR;
};

export const anchorAudit = async (options: DatabaseOptions & { file?: string }) => {
  if (options.file) checkOutputFile(options.file, 'the anchor file');
  await withStudyDatabase(options, async (database, studyId, config) => {
    const file = options.file ? resolve(options.file) : config.anchor.file;
    if (!file) throw new CliUserError('Name the anchor file: --file FILE or EXOTRIAL_ANCHOR_FILE.');
    const line = await asUserError(() =>
      writeAnchor(database, studyId, { file, tsaUrl: config.anchor.tsaUrl }),
    );
    const stamp = line.timeStamp ? `, time-stamped by ${line.timeStamp.url}` : '';
    process.stdout.write(`Anchored seq ${line.seq} (hash ${line.hash}) in ${file}${stamp}\n`);
    if (line.timeStampError) {
      throw new CliUserError(
        `The anchor was written without a time stamp: ${line.timeStampError} (${config.anchor.tsaUrl}).`,
      );
    }
  });
};

export const exportAudit = async (options: DatabaseOptions & { format: string; out?: string }) => {
  if (options.format !== 'csv' && options.format !== 'json') {
    throw new CliUserError(`--format must be csv or json, not "${options.format}".`);
  }
  const format: ExportFormat = options.format;
  if (options.out) checkOutputFile(options.out, 'the audit trail');
  await withStudyDatabase(options, async (database, studyId) => {
    const out: Writable = options.out
      ? createWriteStream(options.out, { mode: OWNER_ONLY_FILE })
      : process.stdout;
    // A file that cannot be written fails the command with one line, never as an 'error' event
    // nobody listens to (which would end the process with a stack trace).
    if (options.out) out.on('error', () => undefined);
    try {
      for await (const chunk of exportAuditTrail(database, studyId, format)) await write(out, chunk);
      if (options.out) {
        out.end();
        await finished(out);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (options.out && code !== undefined) {
        out.destroy();
        throw new CliUserError(`Cannot write ${options.out} (${code}): nothing more was written.`);
      }
      throw error;
    }
    if (options.out) {
      process.stderr.write(`Wrote the audit trail to ${options.out}\n`);
    }
  });
};
