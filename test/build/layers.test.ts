import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, read from the import statements. With `verbatimModuleSyntax` every import that
 * is not `import type` (or `export type`) stays in the emitted JavaScript, so "runtime import" here is
 * exactly what Node loads. Type-only imports may point anywhere.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)) continue;
    files.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return files;
}

const importPattern =
  /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm;

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[4] ?? match[5];
    if (!specifier) continue;
    const to = normalize(join(dirname(file), specifier));
    edges.push({ from: file, to, typeOnly: match[2] !== undefined });
  }
  return edges;
}

const srcEdges = sourceFiles('src').flatMap(edgesOf);
const webEdges = sourceFiles('web/src').flatMap(edgesOf);
const runtime = (edges: Edge[]) => edges.filter((edge) => !edge.typeOnly);
const show = (edges: Edge[]) => edges.map((edge) => `${edge.from} -> ${edge.to}`);
const within = (path: string, ...folders: string[]) =>
  folders.some((folder) => path === folder || path.startsWith(`${folder}/`));

describe('layers of src/', () => {
  it('finds the imports it checks (the parser is not blind)', () => {
    expect(srcEdges.length).toBeGreaterThan(500);
    expect(srcEdges.some((edge) => edge.typeOnly)).toBe(true);
    expect(runtime(srcEdges).some((edge) => edge.to === 'src/kernel/errors.ts')).toBe(true);
  });

  it('the composition root (src/server) is imported by the CLI only', () => {
    const inward = srcEdges.filter(
      (edge) => within(edge.to, 'src/server') && !within(edge.from, 'src/server', 'src/cli'),
    );
    expect(show(inward)).toEqual([]);
  });

  it('nothing imports the CLI but the CLI', () => {
    const inward = srcEdges.filter((edge) => within(edge.to, 'src/cli') && !within(edge.from, 'src/cli'));
    expect(show(inward)).toEqual([]);
  });

  it('the kernel loads only the kernel, the configuration and the database layer', () => {
    const upward = runtime(srcEdges).filter(
      (edge) => within(edge.from, 'src/kernel') && !within(edge.to, 'src/kernel', 'src/config.ts', 'src/db'),
    );
    expect(show(upward)).toEqual([]);
  });

  it('the database layer loads only itself and the configuration', () => {
    const upward = runtime(srcEdges).filter(
      (edge) => within(edge.from, 'src/db') && !within(edge.to, 'src/db', 'src/config.ts'),
    );
    expect(show(upward)).toEqual([]);
  });

  it('the web app loads no server module: only the kernel and shared domain code below it', () => {
    const intoSrc = runtime(webEdges).filter((edge) => within(edge.to, 'src'));
    expect(intoSrc.length).toBeGreaterThan(0);
    expect(show(intoSrc.filter((edge) => within(edge.to, 'src/server', 'src/db', 'src/cli')))).toEqual([]);
  });
});

describe('one writer per record type', () => {
  /** Each `updateTable('form_record')` / `insertInto('form_record')` statement of src/, up to its execute call. */
  function formRecordWrites(): { file: string; statement: string }[] {
    const writes: { file: string; statement: string }[] = [];
    for (const file of sourceFiles('src')) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/\.(?:updateTable|insertInto)\('form_record'\)[\s\S]*?\.execute/g)) {
        writes.push({ file, statement: match[0] });
      }
    }
    return writes;
  }

  it('only src/crf/form-write.ts creates form records or changes their values', () => {
    const writes = formRecordWrites();
    expect(writes.filter((write) => write.file === 'src/crf/form-write.ts')).toHaveLength(2);
    const others = writes.filter(
      (write) =>
        write.file !== 'src/crf/form-write.ts' &&
        (write.statement.startsWith('.insertInto') || /\bentries\b/.test(write.statement)),
    );
    expect(others.map((write) => write.file)).toEqual([]);
  });
});

describe('the writable-participant preamble', () => {
  it('is written once: only src/participants/writable.ts checks that a participant can be written', () => {
    const callers = sourceFiles('src').filter(
      (file) =>
        file !== 'src/participants/writable.ts' &&
        /\bassertWritable\(/.test(readFileSync(join(root, file), 'utf8')),
    );
    expect(callers).toEqual([]);
  });
});
