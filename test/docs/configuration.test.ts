import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The configuration table of docs/operations.md names every environment variable src/config.ts
// reads, and no variable the code does not read.

const root = new URL('../../', import.meta.url);
const source = readFileSync(new URL('src/config.ts', root), 'utf8');
const page = readFileSync(new URL('docs/operations.md', root), 'utf8');

/** The keys of the environment schema: `  NAME: z…` lines between its braces. */
function variablesRead(): string[] {
  const schema = /const environmentSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(source)?.[1] ?? '';
  return [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1] ?? '');
}

/** The variables in the first cell of each row of the page's configuration table. */
function variablesDocumented(): string[] {
  const section = /^## Configuration\n([\s\S]*?)^## /m.exec(page)?.[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) =>
      [...(line.split(' | ')[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? ''),
    );
}

it('docs/operations.md documents exactly the environment variables src/config.ts reads', () => {
  const read = variablesRead();
  const documented = variablesDocumented();
  expect(read.length).toBeGreaterThan(20);
  expect(read.filter((name) => !documented.includes(name))).toEqual([]);
  expect(documented.filter((name) => !read.includes(name))).toEqual([]);
});
