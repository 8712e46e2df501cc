import type { FastifyInstance } from 'fastify';
import { validationFailed } from '../kernel/errors.ts';

// NUL, and a UTF-16 surrogate without its pair. PostgreSQL refuses NUL in text and jsonb (the request
// would fail as a fault), and a lone surrogate is silently turned into U+FFFD on its way to UTF-8: the
// stored text would differ from what was sent. Neither can be stored faithfully, so neither is accepted.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a text holds a character no database can store as sent (NUL, an unpaired surrogate). */
export const hasUnstorableText = (text: string): boolean => UNSTORABLE.test(text);

/**
 * The path (`body.name`, `params.code`) of the first text or key in a parsed request part that cannot be
 * stored, or null. Walks with its own stack, so deeply nested JSON cannot overflow the call stack.
 */
export function findUnstorable(root: unknown, rootName: string): string | null {
  const stack: Array<[unknown, string]> = [[root, rootName]];
  while (stack.length > 0) {
    const next = stack.pop();
    if (!next) break;
    const [value, path] = next;
    if (typeof value === 'string') {
      if (hasUnstorableText(value)) return path;
    } else if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        stack.push([entry, `${path}.${index}`]);
      });
    } else if (value && typeof value === 'object') {
      for (const [key, entry] of Object.entries(value)) {
        if (hasUnstorableText(key)) return `${path} (a key)`;
        stack.push([entry, `${path}.${key}`]);
      }
    }
  }
  return null;
}

/**
 * Refuses, before any route validates or stores it, text in the path, query or JSON body that cannot
 * be stored as sent: a 400 naming the field, never a database fault or a silently altered value.
 * Bodies a route reads as a stream (CSV imports) are checked by their importer.
 */
export function installStorableInput(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const parts: Array<[unknown, string]> = [
      [request.params, 'params'],
      [request.query, 'query'],
    ];
    if (request.body !== null && typeof request.body === 'object' && !isStream(request.body)) {
      parts.push([request.body, 'body']);
    } else if (typeof request.body === 'string') {
      parts.push([request.body, 'body']);
    }
    for (const [value, name] of parts) {
      const field = findUnstorable(value, name);
      if (field) {
        throw validationFailed(
          [{ field, message: 'Remove NUL characters and broken (unpaired surrogate) characters.' }],
          `${field} holds a character that cannot be stored (NUL or a broken surrogate): remove it.`,
        );
      }
    }
  });
}

const isStream = (value: object): boolean => typeof (value as { pipe?: unknown }).pipe === 'function';
