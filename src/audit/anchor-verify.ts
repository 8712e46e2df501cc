import type { Database } from '../db/connection.ts';
import { type AnchorLine, anchorImprint } from './anchor.ts';
import { verifyStudyChain } from './audit.query.ts';
import { GENESIS_HASH } from './audit.schema.ts';
import type { VerifyResult } from './verify.ts';

export interface AnchorVerifyResult {
  chain: VerifyResult;
  /** Distinct anchors checked (the same head anchored twice, e.g. by two servers, counts once). */
  anchors: number;
  latest: AnchorLine | null;
  /** One sentence per problem; empty when every anchored event is still there unchanged. */
  problems: string[];
}

/**
 * Proves the trail against anchors kept outside the database: every anchored event must still be
 * there with the anchored hash (a cut tail or a chain rewritten with recomputed hashes fails here),
 * and the chain since must verify link by link. Duplicate lines are expected and accepted.
 */
export async function verifyAgainstAnchors(
  database: Database,
  studyId: string,
  lines: ReadonlyArray<AnchorLine & { line: number }>,
): Promise<AnchorVerifyResult> {
  const problems: string[] = [];
  const distinct = new Map<string, AnchorLine & { line: number }>();
  for (const anchor of lines) {
    if (anchor.studyId !== studyId) {
      problems.push(
        `line ${anchor.line}: anchors study ${anchor.studyId}, but this database holds study ${studyId}`,
      );
      continue;
    }
    if (anchorImprint(anchor).toString('hex') !== anchor.imprint) {
      problems.push(`line ${anchor.line}: the anchor was edited (its imprint does not match its content)`);
      continue;
    }
    const key = `${anchor.seq}:${anchor.hash}`;
    if (!distinct.has(key)) distinct.set(key, anchor);
  }
  const anchors = [...distinct.values()].sort((a, b) => a.seq - b.seq);
  const stored = await storedHashes(
    database,
    studyId,
    anchors.map((anchor) => anchor.seq),
  );
  for (const anchor of anchors) {
    const found = anchor.seq === 0 ? GENESIS_HASH : stored.get(anchor.seq);
    const when = `anchored ${anchor.anchoredAt} (line ${anchor.line})`;
    if (found === undefined) {
      problems.push(`event ${anchor.seq}, ${when}, is missing: the trail was cut after it was anchored`);
    } else if (found !== anchor.hash) {
      problems.push(
        `event ${anchor.seq}, ${when}, has a different hash now: the chain up to it was rewritten`,
      );
    }
  }
  const chain = await verifyStudyChain(database, studyId);
  if (!chain.intact && chain.firstBreak) {
    problems.push(
      `the chain breaks at seq ${chain.firstBreak.seq}: ${chain.firstBreak.message} [${chain.firstBreak.problem}]`,
    );
  }
  return { chain, anchors: anchors.length, latest: anchors.at(-1) ?? null, problems };
}

async function storedHashes(
  database: Database,
  studyId: string,
  seqs: number[],
): Promise<Map<number, string>> {
  const wanted = seqs.filter((seq) => seq > 0);
  if (wanted.length === 0) return new Map();
  const rows = await database.read((db) =>
    db
      .selectFrom('audit_event')
      .select(['seq', 'hash'])
      .where('study_id', '=', studyId)
      .where('seq', 'in', wanted)
      .execute(),
  );
  return new Map(rows.map((row) => [Number(row.seq), row.hash]));
}
