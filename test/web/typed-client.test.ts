import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { queryText } from '../../web/src/api/client.ts';

/**
 * The web app's request and answer types are the server's zod types (`z.infer` / `z.input` of the
 * schemas its routes declare), imported with `import type`. A hand-written copy of a payload would
 * keep compiling when the server changes the payload; these checks keep such copies from coming back.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

function files(folder: string, pattern: RegExp): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Object shapes written out by hand: `interface X {` and `type X = {`. */
function handWrittenShapes(file: string): string[] {
  const pattern = /^\s*(?:export\s+)?(?:interface\s+(\w+)|type\s+(\w+)(?:<[^>]*>)?\s*=\s*\{)/gm;
  return [...read(file).matchAll(pattern)].map((match) => `${file}: ${match[1] ?? match[2]}`);
}

/** Type names the server's schema modules export (each a payload or a part of one). */
const serverTypeNames = new Set(
  files('src', /\.schema\.ts$/).flatMap((file) =>
    [...read(file).matchAll(/^export\s+(?:type|interface)\s+(\w+)/gm)].map((match) => match[1] ?? ''),
  ),
);

const webFiles = files('web/src', /\.tsx?$/).filter((file) => !file.startsWith('web/src/i18n/'));
const apiModules = webFiles.filter(
  (file) => file.startsWith('web/src/api/') || /^web\/src\/pages\/.+-api\.ts$/.test(file),
);

/**
 * Left on purpose: the server declares an error's `details` as unknown (each error carries its own),
 * so the keys the pages read from it have no schema to come from. `DateWriters` is no payload: the
 * date-formatting functions the `useDates` hook hands to pages.
 */
const allowed = ['web/src/api/client.ts: ErrorDetails', 'web/src/api/dates.ts: DateWriters'];

describe('the web app types its API calls from the server schemas', () => {
  it('reads what it checks (the scanners are not blind)', () => {
    expect(serverTypeNames).toContain('StudyOverview');
    expect(serverTypeNames).toContain('SessionView');
    expect(serverTypeNames).toContain('ProtocolVersionSummary');
    expect(apiModules).toContain('web/src/api/trial.ts');
    expect(apiModules).toContain('web/src/pages/safety/safety-api.ts');
    expect(apiModules.flatMap(handWrittenShapes)).toContain('web/src/api/client.ts: ErrorDetails');
    expect(webFiles.flatMap(handWrittenShapes).length).toBeGreaterThan(5);
  });

  it('the API modules (web/src/api, pages/*-api.ts) write out no payload shape of their own', () => {
    const shapes = apiModules.flatMap(handWrittenShapes).filter((shape) => !allowed.includes(shape));
    expect(shapes).toEqual([]);
  });

  it('no hand-written shape anywhere in the web app carries the name of a server payload type', () => {
    const copies = webFiles
      .flatMap(handWrittenShapes)
      .filter((shape) => serverTypeNames.has(shape.split(': ')[1] ?? ''));
    expect(copies).toEqual([]);
  });

  it('no API call spells its answer or its body as an inline object type', () => {
    const inline = webFiles.flatMap((file) =>
      [...read(file).matchAll(/\bapi(?:Upload)?<\s*\{|\bapi<[^>(]*,\s*\{/g)].map(
        (match) => `${file}: ${match[0]}`,
      ),
    );
    expect(inline).toEqual([]);
  });
});

describe('queryText', () => {
  it('writes the values a GET carries and leaves out the empty ones', () => {
    const text = queryText<{
      limit: number;
      status: string;
      formId: string;
      visitKey: string;
      flag: boolean;
    }>({
      limit: 200,
      status: '',
      formId: undefined,
      visitKey: 'day-1/30min',
      flag: false,
    });
    expect(text).toBe('limit=200&visitKey=day-1%2F30min&flag=false');
    expect(new URLSearchParams(text).get('visitKey')).toBe('day-1/30min');
  });
});
