import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import type { Database } from '../db/connection.ts';
import { verifyStudyChain } from './audit.query.ts';
import { requestTimeStamp, type TimeStamp } from './timestamp.ts';

/**
 * What an anchor line commits to: the chain head of one study at one instant. Kept outside the
 * database (a file the operator keeps, a time-stamp authority), it shows later that events up to
 * `seq` existed with these hashes, which the chain alone cannot: cut its tail, or rewrite it with
 * recomputed hashes, and it still verifies.
 */
export const anchorSchema = z.strictObject({
  studyId: z.string().min(1),
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  anchoredAt: z.iso.datetime({ offset: true }),
});
export type Anchor = z.infer<typeof anchorSchema>;

export const anchorLineSchema = anchorSchema.extend({
  /** SHA-256 (hex) of the canonical JSON of the four fields above: what the authority stamped. */
  imprint: z.string().regex(/^[0-9a-f]{64}$/),
  timeStamp: z.strictObject({ url: z.string(), response: z.base64() }).optional(),
  /** Why the configured authority gave no stamp (the anchor itself was still written). */
  timeStampError: z.string().optional(),
});
export type AnchorLine = z.infer<typeof anchorLineSchema>;

/** SHA-256 of the anchor's canonical JSON (RFC 8785), so key order never changes it. */
export function anchorImprint(anchor: Anchor): Buffer {
  const canonical = canonicalize({
    studyId: anchor.studyId,
    seq: anchor.seq,
    hash: anchor.hash,
    anchoredAt: anchor.anchoredAt,
  });
  if (canonical === undefined) throw new Error('anchor cannot be canonicalised');
  return createHash('sha256').update(canonical).digest();
}

export class AnchorError extends Error {
  override name = 'AnchorError';
}

export interface AnchorOptions {
  file: string;
  /** An RFC 3161 time-stamp authority (EXOTRIAL_TSA_URL); none: the line is not stamped. */
  tsaUrl?: string | undefined;
  clock?: () => Date;
}

/**
 * Appends the chain head as one JSON line to `file` (created 0600: it tells who did how much, and
 * only its owner should be able to rewrite it). Refuses a chain that does not verify: anchoring it
 * would vouch for the damage.
 */
export async function writeAnchor(
  database: Database,
  studyId: string,
  options: AnchorOptions,
): Promise<AnchorLine> {
  const chain = await verifyStudyChain(database, studyId);
  if (!chain.intact) {
    throw new AnchorError(
      `The audit trail does not verify (seq ${chain.firstBreak?.seq}: ${chain.firstBreak?.message}); nothing was anchored.`,
    );
  }
  const anchor: Anchor = {
    studyId,
    seq: chain.lastSeq,
    hash: chain.lastHash,
    anchoredAt: (options.clock ?? (() => new Date()))().toISOString(),
  };
  const imprint = anchorImprint(anchor);
  let timeStamp: TimeStamp | undefined;
  let timeStampError: string | undefined;
  if (options.tsaUrl) {
    try {
      timeStamp = await requestTimeStamp(options.tsaUrl, imprint);
    } catch (error) {
      timeStampError = error instanceof Error ? error.message : String(error);
    }
  }
  const line: AnchorLine = { ...anchor, imprint: imprint.toString('hex'), timeStamp, timeStampError };
  await appendLine(options.file, `${JSON.stringify(line)}\n`);
  return line;
}

async function appendLine(file: string, text: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'a', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AnchorError(`Cannot open the anchor file ${file} (${code ?? String(error)}).`);
  }
  try {
    await handle.appendFile(text, 'utf8');
    // The anchor is worth something only once it is on disk.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** One problem of an anchor file, with its line number, for a one-line error. */
export class AnchorFileError extends Error {
  override name = 'AnchorFileError';
}

/** Reads an anchor file: one JSON object a line, blank lines allowed; any other line is an error. */
export function parseAnchorFile(text: string, fileName: string): Array<AnchorLine & { line: number }> {
  const anchors: Array<AnchorLine & { line: number }> = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const content = raw.trim();
    if (content === '') continue;
    const where = `${fileName} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch {
      throw new AnchorFileError(`${where} is not JSON: an anchor file holds one JSON object a line.`);
    }
    const parsed = anchorLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AnchorFileError(
        `${where} is not an anchor (${issue?.path.join('.') || 'line'}: ${issue?.message}).`,
      );
    }
    anchors.push({ ...parsed.data, line: index + 1 });
  }
  if (anchors.length === 0) throw new AnchorFileError(`${fileName} holds no anchor.`);
  return anchors;
}
