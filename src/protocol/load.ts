import { readFile } from 'node:fs/promises';
import type { ParseProtocolResult } from './parse-text.ts';
import { parseProtocolOnServer } from './unit-checks.ts';

export { defaultProtocolPath } from './default-path.ts';
// Node-side entry point. The browser imports parse-text.ts, summary.ts and rules/ directly (no node: modules).
export {
  formatPath,
  type ParseProtocolResult,
  type ProtocolFileProblem,
  parseProtocolText,
} from './parse-text.ts';
export { protocolSummary, type SummaryLanguage } from './summary.ts';
export { parseProtocolOnServer } from './unit-checks.ts';

/**
 * Reads a protocol file (UTF-8) and parses it with the server's checks (parseProtocolOnServer); problems carry the file's path. A file
 * that cannot be read is reported as a problem too, so callers handle one result shape.
 */
export async function loadProtocolFile(path: string): Promise<ParseProtocolResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problems: [{ path: '(file)', message: `cannot read the protocol file: ${reason}`, file: path }],
    };
  }
  return parseProtocolOnServer(text, path);
}
