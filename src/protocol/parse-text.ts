import type { Document } from 'yaml';
import { isMap, isNode, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { withFormat1Defaults } from './format-1.ts';
import { type Protocol, protocolSchema } from './schema.ts';
import { type ProtocolProblem, validateProtocol } from './validate.ts';

/** A problem in a protocol file: where (path into the document, 1-based line when known) and what to fix. */
export interface ProtocolFileProblem {
  path: string;
  line?: number;
  message: string;
  file?: string;
}

export type ParseProtocolResult =
  | { ok: true; protocol: Protocol }
  | { ok: false; problems: ProtocolFileProblem[] };

/**
 * Parses and validates protocol YAML in three stages, stopping at the first that fails: YAML syntax, the zod
 * schema (protocolSchema), then the semantic checks of validateProtocol. Every problem carries the YAML line it
 * points at, found through the document's node ranges and a LineCounter. Pure (no file system): runs in the
 * browser too. `fileName` is copied onto each problem for messages.
 */
export function parseProtocolText(
  text: string,
  fileName?: string,
  /** Checks only the server runs (UCUM units: their tables are too large for the browser). */
  serverChecks?: (protocol: Protocol) => ProtocolProblem[],
): ParseProtocolResult {
  const lineCounter = new LineCounter();
  const withFile = (problem: ProtocolFileProblem): ProtocolFileProblem =>
    fileName === undefined ? problem : { ...problem, file: fileName };
  let document: Document;
  try {
    document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    // The parser reports syntax as document.errors; a throw is the input defeating it (e.g. nesting too deep).
    return { ok: false, problems: [withFile({ path: '(yaml)', message: yamlFailure(error) })] };
  }

  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) =>
        withFile({
          path: '(yaml)',
          line: lineCounter.linePos(error.pos[0]).line,
          message: firstLine(error.message),
        }),
      ),
    };
  }

  let content: unknown;
  try {
    content = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return {
      ok: false,
      problems: [
        withFile({
          path: '(yaml)',
          line: firstAliasLine(document, lineCounter),
          message: yamlFailure(error),
        }),
      ],
    };
  }
  const parsed = protocolSchema.safeParse(withFormat1Defaults(content));
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
        // Point an unknown key at its own line rather than at its parent object.
        const lookup = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path;
        return withFile({
          path: formatPath(path),
          line: lineOf(document, lineCounter, lookup),
          message: issue.message,
        });
      }),
    };
  }

  const problems = [...validateProtocol(parsed.data), ...(serverChecks?.(parsed.data) ?? [])];
  if (problems.length > 0) {
    return {
      ok: false,
      problems: problems.map((problem) =>
        withFile({
          path: formatPath(problem.path),
          line: lineOf(document, lineCounter, problem.path),
          message: problem.message,
        }),
      ),
    };
  }
  return { ok: true, protocol: parsed.data };
}

/** `['forms', 2, 'items', 0, 'label']` → `forms[2].items[0].label`; the empty path is the whole document. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return '(document)';
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? key : `${text}.${key}`;
  }, '');
}

/**
 * The line of the deepest node on `path` that exists: a missing key points at the object that lacks it. The key
 * of a map entry is preferred over its value so `label:` followed by a nested block points at `label:`.
 */
function lineOf(
  document: Document,
  lineCounter: LineCounter,
  path: ReadonlyArray<string | number>,
): number | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const prefix = path.slice(0, length);
    const offset = length === 0 ? document.contents?.range?.[0] : startOf(document, prefix);
    if (offset !== undefined) return lineCounter.linePos(offset).line;
  }
  return undefined;
}

function startOf(document: Document, path: ReadonlyArray<string | number>): number | undefined {
  const key = path[path.length - 1];
  const parent = path.length > 1 ? document.getIn(path.slice(0, -1), true) : document.contents;
  if (isMap(parent)) {
    const pair = parent.items.find((entry) => isScalar(entry.key) && entry.key.value === key);
    return pair && isNode(pair.key) ? pair.key.range?.[0] : undefined;
  }
  const node = document.getIn(path, true);
  return isNode(node) ? node.range?.[0] : undefined;
}

/**
 * Copies that aliases (`*name`) may make of their anchors in one file. A protocol needs few; a file of
 * nested aliases ("billion laughs") would otherwise expand to gigabytes in memory. The yaml package
 * counts and throws past this bound.
 */
const MAX_ALIAS_COUNT = 1000;

function yamlFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/alias/i.test(message)) {
    return `the YAML's aliases (*name) would expand to more than ${MAX_ALIAS_COUNT} copies: write the values out instead of nesting aliases`;
  }
  if (error instanceof RangeError) return 'the YAML is nested too deeply to read: flatten it';
  return `the YAML cannot be read: ${firstLine(message)}`;
}

/** The line of the first alias in the file: where to start looking when aliases expand too much. */
function firstAliasLine(document: Document, lineCounter: LineCounter): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
